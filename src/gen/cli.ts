/**
 * `npm run gen -- --namespaces N --pods P --policies K --flows F --seed S --out DIR`: parses, generates, writes.
 * Takes its streams and returns an exit code (0 written, 1 could not write, 2 usage), so tests call it directly.
 */
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import yargs from 'yargs';
import { writeWorkload } from './write.js';
import { generateWorkload, validateWorkloadOptions, type WorkloadOptions } from './workload.js';

export interface GenStreams {
  /** The paths written, one a line. */
  readonly stdout: Writable;
  /** Usage errors and the closing summary. */
  readonly stderr: Writable;
}

const OPTIONS = {
  namespaces: { type: 'number', default: 8, describe: 'Namespaces (kube-system and monitoring among them from 3 up)' },
  pods: { type: 'number', default: 200, describe: 'Pods, including a few deleted during the day whose IPs later pods reuse' },
  policies: { type: 'number', default: 50, describe: 'Policy resources in total; tiers and network sets come on top' },
  flows: { type: 'number', default: 100_000, describe: 'Flow lines in flows.jsonl, spread over one day' },
  seed: { type: 'number', default: 1, describe: 'Same seed and counts, byte-identical output' },
  out: { type: 'string', demandOption: true, describe: 'Directory to write policies/, inventory/ and flows.jsonl into' },
} as const;

type Parsed = { readonly help?: boolean } & WorkloadOptions & { readonly out: string };

function parse(argv: readonly string[]): Promise<{ parsed?: Parsed; error?: string; output: string }> {
  return new Promise((resolve) => {
    yargs()
      .scriptName('npm run gen --')
      .usage('$0 --out DIR [--namespaces N] [--pods P] [--policies K] [--flows F] [--seed S]\n\n'
        + 'Write a deterministic synthetic cluster: Kubernetes and Calico policy, its inventory and a day of flows.')
      .options(OPTIONS)
      .strict()
      .example('$0 --out /tmp/w', 'the defaults: 8 namespaces, 200 pods, 50 policies, 100,000 flows')
      .example('$0 --namespaces 60 --pods 5000 --policies 2000 --flows 10000000 --seed 7 --out bench-out/w',
        'a benchmark-sized workload')
      .epilogue('Exit codes: 0 written, 1 could not write, 2 usage error.')
      .version(false)
      .wrap(null)
      // With a callback yargs neither prints nor exits: help and errors come back here.
      .parse([...argv], {}, (err, parsed, output) => {
        resolve(err ? { error: err.message, output } : { parsed: parsed as unknown as Parsed, output });
      });
  });
}

export async function runGen(argv: readonly string[], io: GenStreams): Promise<number> {
  const { parsed, error, output } = await parse(argv);
  if (error !== undefined || parsed === undefined) {
    // yargs' output already ends with the message when it has any.
    io.stderr.write(`${output || error || 'invalid arguments'}\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(`${output}\n`);
    return 0;
  }
  const options: WorkloadOptions = {
    namespaces: parsed.namespaces, pods: parsed.pods, policies: parsed.policies, flows: parsed.flows, seed: parsed.seed,
  };
  try {
    validateWorkloadOptions(options);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const started = performance.now();
  try {
    const written = await writeWorkload(generateWorkload(options), parsed.out);
    for (const path of written) io.stdout.write(`${join(parsed.out, path)}\n`);
  } catch (e) {
    io.stderr.write(`gen: ${(e as Error).message}\n`);
    return 1;
  }
  const seconds = (performance.now() - started) / 1000;
  io.stderr.write(
    `gen: ${options.namespaces} namespaces, ${options.pods} pods, ${options.policies} policies, ${options.flows} flows `
    + `in ${seconds.toFixed(1)} s (${Math.round(options.flows / seconds)} flows/s)\n`,
  );
  return 0;
}
