import yargs from 'yargs';
import { commands } from './commands/index.js';
import { EXIT, InputError, UsageError, processIO, type CliIO, type ExitCode } from './io.js';

const EPILOGUE = 'Exit codes: 0 ok, 1 bad input or findings, 2 usage error. Docs: README.md and docs/.';

/** Runs the CLI on `argv` (without node and script) and resolves to the exit code; never calls process.exit. */
export async function runCli(rawArgv: readonly string[], io: CliIO): Promise<ExitCode> {
  const argv = joinDashValues(rawArgv);
  let exit: ExitCode | undefined;
  let usageMessage: string | undefined;
  const parser = yargs([...argv])
    .scriptName('flowaudit')
    .strict()
    .demandCommand(1, 'Name a command.')
    .recommendCommands()
    .epilogue(EPILOGUE)
    .wrap(Math.min(120, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) throw err;
      usageMessage = msg ?? err?.message ?? 'usage error';
    });
  for (const c of commands) {
    parser.command({
      command: c.command as string | string[],
      describe: c.describe,
      builder: (y) => {
        let b = c.builder(y);
        for (const [cmd, desc] of c.examples) b = b.example(cmd, desc);
        return b.epilogue(EPILOGUE);
      },
      handler: async (args) => {
        // With exitProcess(false) yargs still calls the handler after a failed check: run only valid input.
        if (usageMessage === undefined) exit = await c.run(args, io);
      },
    });
  }
  try {
    let helpOut = '';
    await parser.parseAsync([...argv], {}, (_err, _args, output) => {
      helpOut = output;
    });
    if (usageMessage !== undefined) {
      io.stderr.write(`${helpOut ? `${helpOut}\n\n` : ''}error: ${usageMessage}\n`);
      return EXIT.usage;
    }
    if (exit === undefined && helpOut) io.stdout.write(`${helpOut}\n`);
    return exit ?? EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof InputError) {
      io.stderr.write(`error: ${err.message}\n`);
      return EXIT.input;
    }
    // A file that cannot be read, or an output that cannot be made where it was asked for.
    const fsError = err as NodeJS.ErrnoException;
    if (fsError.code !== undefined && FILE_ERRORS.has(fsError.code) && fsError.path !== undefined) {
      io.stderr.write(`error: cannot ${fsError.syscall === 'mkdir' || fsError.syscall === 'open' ? 'open' : 'read'} ${fsError.path}: ${fsError.code}\n`);
      return EXIT.input;
    }
    throw err;
  }
}

const FILE_ERRORS: ReadonlySet<string> = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EROFS', 'EPERM']);

/** The process entry point used by bin/flowaudit. */
export async function main(): Promise<void> {
  try {
    process.exitCode = await runCli(process.argv.slice(2), processIO());
  } catch (err) {
    process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  }
}

/** yargs reads a lone `-` as a positional, not as the value of the flag before it (`--out -`): join them. */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv) {
    const prev = out[out.length - 1];
    if (a === '-' && prev !== undefined && /^--?[A-Za-z][\w-]*$/.test(prev)) out[out.length - 1] = `${prev}=-`;
    else out.push(a);
  }
  return out;
}
