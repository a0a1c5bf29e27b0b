/** Option groups several commands share, and the cross-flag checks that go with them. */
import type { Argv } from 'yargs';
import { UsageError } from './io.js';
import type { Proposal } from '../pipeline/context.js';

export function policyOptions<T>(y: Argv<T>) {
  return optionalPolicyOptions(y).demandOption('policies');
}

/** The same options for a command that needs policies only for some of what it does. */
export function optionalPolicyOptions<T>(y: Argv<T>) {
  return y
    .option('policies', { type: 'string', array: true, describe: 'Current policy files or folders (inventory resources allowed)' })
    .option('proposed', { type: 'string', array: true, describe: 'A complete proposed policy set' })
    .option('change', { type: 'string', array: true, describe: 'Resources laid over the current set (same kind/namespace/name replaces; staged Delete removes)' })
    .option('staged', { type: 'boolean', default: false, describe: 'Proposed view = the staged policies in the current set applied' })
    .option('inventory', { type: 'string', array: true, default: [] as string[], describe: 'Pods/Namespaces/... files; FILE@TIME for a snapshot taken at TIME' })
    .check((a) => {
      const given = [a.proposed !== undefined, a.change !== undefined, a.staged].filter(Boolean).length;
      if (given > 1) throw new UsageError('give at most one of --proposed, --change and --staged');
      return true;
    });
}

export function proposalFrom(a: { proposed?: string[] | undefined; change?: string[] | undefined; staged: boolean }): Proposal {
  if (a.proposed) return { kind: 'set', paths: a.proposed };
  if (a.change) return { kind: 'change', paths: a.change };
  return a.staged ? { kind: 'staged' } : { kind: 'none' };
}
