import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAuditContext } from '../../src/pipeline/context.js';

const DEMO = 'fixtures/demo';

describe('loadAuditContext: a proposal that changes nothing is the current set', () => {
  it('compiles the set once when the proposed view equals the current one (--staged without staged policies)', async () => {
    const context = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'staged' }, inventory: [`${DEMO}/inventory`] });
    expect(context.views.proposed).toBe(context.views.current);
  });

  it('compiles both when the change changes something', async () => {
    const context = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'change', paths: [`${DEMO}/change`] }, inventory: [`${DEMO}/inventory`] });
    expect(context.views.proposed).toBeDefined();
    expect(context.views.proposed).not.toBe(context.views.current);
  });

  it('compiles once when the proposed set is the current set given again', async () => {
    const context = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'set', paths: [`${DEMO}/policies`] }, inventory: [`${DEMO}/inventory`] });
    expect(context.views.proposed).toBe(context.views.current);
  });
});

describe('loadAuditContext: policy resources in an --inventory file', () => {
  it('are named in one warning per file, where the first one is, and take no part', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowaudit-context-'));
    const file = join(dir, 'dump.yaml');
    const profile = 'apiVersion: projectcalico.org/v3\nkind: Profile\nmetadata: {name: edge}\nspec: {egress: [{action: Allow}]}';
    const gns = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: feed}\nspec: {nets: [203.0.113.0/24]}';
    await writeFile(file, `apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n${profile}\n---\n${gns}\n`);
    const context = await loadAuditContext({ policies: [`${DEMO}/policies`], proposal: { kind: 'none' }, inventory: [file] });
    const warned = context.diagnostics.filter((d) => d.code === 'policy-in-inventory');
    expect(warned.map((d) => [d.file, d.line, d.message])).toEqual([
      [file, 5, '2 policy resources (policies, network sets, profiles, Felix settings) in an --inventory file take no part: give them with --policies or --change'],
    ]);
    expect(context.errors).toBe(0);
  });
});
