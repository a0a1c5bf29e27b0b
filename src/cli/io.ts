import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeChunk } from '../sinks/write-stream.js';

/** What a command may touch of the outside world: injected, so tests capture it (kubectl's IOStreams). */
export interface CliIO {
  /** Data: results, reports, explanations. */
  readonly stdout: NodeJS.WritableStream;
  /** Progress, warnings, summaries. */
  readonly stderr: NodeJS.WritableStream;
  /** Progress bars only when stderr is a terminal. */
  readonly stderrIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Exit codes, stated in `--help`: 0 ok, 1 bad input or findings, 2 usage. */
export const EXIT = { ok: 0, input: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Wrong flags or arguments: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Input that cannot be used (unreadable file, invalid policy): exit 1. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Writes a whole output file (a report, a coverage table), creating its folder as results files do; `-` is
 * stdout, as for `--out`.
 */
export async function writeOutputFile(path: string, text: string, stdout: NodeJS.WritableStream): Promise<void> {
  if (path === '-') return writeChunk(stdout, text);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
