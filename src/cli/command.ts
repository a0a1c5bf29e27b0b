import type { Argv } from 'yargs';
import type { CliIO, ExitCode } from './io.js';

/**
 * One CLI command (yargs command module shape, docs/advanced.md), except that `run` gets injected streams and
 * returns an exit code instead of calling process.exit.
 */
export interface FlowauditCommand<A = any> {
  readonly command: string | readonly string[];
  readonly describe: string;
  readonly builder: (y: Argv) => Argv<A>;
  readonly examples: readonly (readonly [string, string])[];
  run(args: A, io: CliIO): Promise<ExitCode>;
}

/** Identity helper that keeps the argument type of a command module inferred. */
export function defineCommand<A>(c: FlowauditCommand<A>): FlowauditCommand<A> {
  return c;
}
