import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in process with captured streams (jest's runJest, without the child process). */
export async function runCapture(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c: Buffer) => chunks.out.push(c));
  err.on('data', (c: Buffer) => chunks.err.push(c));
  const code = await runCli(argv, { stdout: out, stderr: err, stderrIsTTY: false, env, cwd: process.cwd() });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}
