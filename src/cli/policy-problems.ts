import { formatDiagnostic } from '../policy/diagnostics.js';
import type { AuditContext } from '../pipeline/context.js';
import type { CliIO } from './io.js';

/**
 * Prints every diagnostic of the policy and inventory files; false when there were errors, after saying that
 * nothing was done (`what`: nothing was replayed, explained, reported).
 */
export function reportDiagnostics(ctx: AuditContext, io: CliIO, what: 'replayed' | 'explained' | 'reported'): boolean {
  for (const d of ctx.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
  if (ctx.errors > 0) {
    io.stderr.write(`error: ${ctx.errors} problem${ctx.errors === 1 ? '' : 's'} in the policy or inventory files; nothing was ${what}\n`);
    return false;
  }
  return true;
}
