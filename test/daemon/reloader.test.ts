import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startReloader, watchedPaths, type PolicyReloader } from '../../src/daemon/reloader.js';
import { loadAuditContext, type AuditContext } from '../../src/pipeline/context.js';

/** Resolves when `check` holds, polling; the test's own timeout bounds the wait. */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

let reloader: PolicyReloader | undefined;
afterEach(() => reloader?.close());

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'flowaudit-reload-'));
  await cp('fixtures/cli/cluster.yaml', join(dir, 'cluster.yaml'));
  const sources = { policies: [dir], proposal: { kind: 'none' } as const, inventory: [] };
  const events: { kind: 'loaded' | 'rejected'; context?: AuditContext; error?: unknown }[] = [];
  const first = await loadAuditContext(sources);
  reloader = await startReloader({
    sources,
    load: loadAuditContext,
    debounceMs: 30,
    listener: {
      loaded: (context) => events.push({ kind: 'loaded', context }),
      rejected: (context, error) => events.push({ kind: 'rejected', ...(context ? { context } : {}), error }),
    },
  });
  return { dir, file: join(dir, 'cluster.yaml'), events, first };
}

describe('policy reloader', () => {
  it('loads an edited policy folder once after a burst of writes, with a new version', async () => {
    const { file, events, first } = await setup();
    const text = await readFile(file, 'utf8');
    const edited = text.replace('port: 5432', 'port: 5433');
    expect(edited).not.toBe(text);
    for (let i = 0; i < 3; i++) await writeFile(file, edited);
    await eventually(() => events.length > 0);
    await new Promise((r) => setTimeout(r, 150));
    expect(events.map((e) => e.kind)).toEqual(['loaded']);
    expect(events[0]!.context!.policyVersion).not.toBe(first.policyVersion);
  });

  it('reports a broken edit with its diagnostics, then loads the fix', async () => {
    const { file, events } = await setup();
    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}\n---\nkind: NetworkPolicy\napiVersion: projectcalico.org/v3\nmetadata: {name: bad, namespace: prod}\nspec: {selector: "app ==", ingress: [{action: Allow}]}\n`);
    await eventually(() => events.length > 0);
    expect(events[0]!.kind).toBe('rejected');
    expect(events[0]!.context!.errors).toBeGreaterThan(0);
    await writeFile(file, good);
    await eventually(() => events.length > 1);
    expect(events[1]!.kind).toBe('loaded');
  });

  it('runs one more load, not two, when changes come during a load', async () => {
    let loads = 0;
    let release: () => void = () => {};
    const dir = await mkdtemp(join(tmpdir(), 'flowaudit-reload-'));
    reloader = await startReloader({
      sources: { policies: [dir], proposal: { kind: 'none' }, inventory: [] },
      load: async (s) => {
        loads++;
        if (loads === 1) await new Promise<void>((r) => (release = r));
        return loadAuditContext(s);
      },
      debounceMs: 1000,
      listener: { loaded: () => {}, rejected: () => {} },
    });
    const first = reloader.reload();
    void reloader.reload();
    void reloader.reload();
    release();
    await first;
    expect(loads).toBe(2);
  });
});

describe('watchedPaths', () => {
  it('watches policies, the proposal and inventory files without their snapshot time', () => {
    const paths = watchedPaths({ policies: ['/p'], proposal: { kind: 'change', paths: ['/c'] }, inventory: ['/i/pods.json@2026-11-20T08:00:00Z'] });
    expect(paths).toEqual(['/p', '/c', '/i/pods.json']);
  });
});
