import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDecision } from '../../src/engine/format.js';
import { DecodeFailure, SkippedLine } from '../../src/flows/decode-result.js';
import { createDecoder } from '../../src/flows/decoders/index.js';
import { type DecodedFlow, decodedFlow } from '../../src/flows/record.js';
import { Auditor } from '../../src/pipeline/audit.js';
import { loadAuditContext, type Proposal } from '../../src/pipeline/context.js';

const DEMO = 'fixtures/demo';

async function demoFlows(): Promise<DecodedFlow[]> {
  const decoder = createDecoder('canonical');
  const lines = (await readFile(`${DEMO}/flows.jsonl`, 'utf8')).split('\n');
  return lines.flatMap((line, i) => {
    const pos = { kind: 'file', file: 'flows.jsonl', line: i + 1 } as const;
    const record = decoder.decode(line, pos);
    return record instanceof DecodeFailure || record instanceof SkippedLine ? [] : [decodedFlow(record, pos, undefined)];
  });
}

/** Each flow's proposed verdict as rows show it, with the difference used and with every flow evaluated twice. */
async function bothWays(proposal: Proposal, flows: readonly DecodedFlow[]) {
  const ctx = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal, inventory: [`${DEMO}/inventory`] });
  const { difference } = ctx.views;
  expect(difference).toBeDefined();
  const shown = (auditor: Auditor) =>
    auditor.auditBatch(flows).map((o) => `${o.proposed!.verdict} ${formatDecision(o.proposed!)} ${o.cls}`);
  const alike = flows.filter((f) => difference!.decidesAlike(ctx.inventory.resolve(f.record, 'src'), ctx.inventory.resolve(f.record, 'dst')));
  return {
    spared: shown(new Auditor(ctx.views, ctx.inventory)),
    evaluated: shown(new Auditor({ current: ctx.views.current, proposed: ctx.views.proposed }, ctx.inventory)),
    alike: alike.length,
  };
}

describe('ViewDifference', () => {
  it.each([
    ['a change (a policy added, one replaced, one deleted)', { kind: 'change', paths: [`${DEMO}/change`] }],
    ['a whole second set', { kind: 'set', paths: [`${DEMO}/policies`, `${DEMO}/change`] }],
  ] as const)('gives every demo flow the proposed verdict a second evaluation gives, under %s', async (_, proposal) => {
    const flows = await demoFlows();
    const { spared, evaluated, alike } = await bothWays(proposal, flows);
    expect(spared).toEqual(evaluated);
    // Both ways are exercised: flows spared the second evaluation, and flows at endpoints the change touches.
    expect(alike).toBeGreaterThan(10);
    expect(alike).toBeLessThan(flows.length);
    expect(evaluated.some((v) => v.endsWith('would-block'))).toBe(true);
  });

  it.each([
    ['network sets', 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata:\n  name: extra\n  labels: {role: extra}\nspec:\n  nets: [203.0.113.0/24]\n'],
    ['profiles', 'apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: edge}\nspec:\n  labelsToApply: {role: edge}\n'],
  ])('is not used when the views differ in their %s: every flow is evaluated in both', async (_, resource) => {
    const dir = await mkdtemp(join(tmpdir(), 'flowaudit-difference-'));
    await writeFile(join(dir, 'change.yaml'), resource);
    const ctx = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'change', paths: [dir] }, inventory: [`${DEMO}/inventory`] });
    expect(ctx.views.proposed).not.toBe(ctx.views.current);
    expect(ctx.views.difference).toBeUndefined();
  });
});
