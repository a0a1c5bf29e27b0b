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
