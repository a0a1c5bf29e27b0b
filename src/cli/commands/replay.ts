import { defineCommand } from '../command.js';
import { EXIT, InputError, UsageError, writeOutputFile } from '../io.js';
import { reportDiagnostics } from '../policy-problems.js';
import { policyOptions, proposalFrom } from '../options.js';
import { startProgress } from '../progress.js';
import { deadLetterFile, type DeadLetterSink } from '../../flows/dead-letter.js';
import { FlowFormatError } from '../../flows/decode.js';
import { DecoderConfigError, FLOW_FORMATS, type FlowFormat } from '../../flows/decoders/index.js';
import { parseColumnMap } from '../../flows/decoders/csv.js';
import { Auditor } from '../../pipeline/audit.js';
import { loadAuditContext, type AuditContext } from '../../pipeline/context.js';
import type { Outcome } from '../../pipeline/outcome.js';
import { replayFiles, type OutcomeConsumer, type ReplayTally } from '../../pipeline/replay-files.js';
import { ReportBuilder } from '../../report/aggregate.js';
import { reportRowFromOutcome } from '../../report/from-results.js';
import { CoverageCounter } from '../../report/coverage.js';
import { coverageSummary, renderCoverageCsv, renderCsv } from '../../report/render.js';
import { openResultsFile } from '../../sinks/results-file.js';
import { generatedRunId, REPLAY_KAFKA_OPTIONS, replayRange, replaySourceProblem } from '../../daemon/replay-source.js';
import { clickHouseSettingsFromFlags } from '../../sinks/clickhouse/flags.js';
import { clickHouseOptions } from '../../sinks/clickhouse/options.js';
import type { ClickHouseOutcomeSink } from '../../sinks/clickhouse/outcomes.js';
import { ClickHouseSinkError } from '../../sinks/clickhouse/sink-error.js';
import { kafkaSettingsFromFlags } from '../../sources/kafka/flags.js';
import { kafkaOptions } from '../../sources/kafka/options.js';

const FORMATS = ['auto', ...FLOW_FORMATS] as const;

export default defineCommand({
  command: 'replay',
  describe: 'Evaluate recorded flows against the current policies and, optionally, a proposed set',
  builder: (y) =>
    policyOptions(y)
      .option('flows', { type: 'string', array: true, describe: 'Flow files (- for stdin; .gz read transparently)' })
      .option('format', { choices: FORMATS, default: 'auto' as FlowFormat | 'auto', describe: 'Flow log format' })
      .option('map', { type: 'string', describe: 'CSV column mapping: canonical=Column,...' })
      .option('out', { type: 'string', describe: 'Results: .csv for CSV, else JSONL; - for stdout (the default without --clickhouse-url)' })
      .option('report', { type: 'string', describe: 'Also write the blocked-traffic report (by rule) as CSV to this file (- for stdout)' })
      .option('coverage', { type: 'string', describe: 'Also write, as CSV, every rule with the flows it decided: rules nothing hit show 0 (- for stdout)' })
      .option('dead-letters', { type: 'string', describe: 'Where undecodable records go (default: <out>.dead-letters.jsonl, or ./dead-letters.jsonl for stdout)' })
      .option('max-line-bytes', { type: 'number', default: 1 << 20, describe: 'Longer lines become dead letters' })
      .options(REPLAY_KAFKA_OPTIONS)
      .check((a) => {
        if (a.map !== undefined && a.format !== 'csv') throw new UsageError('--map applies to --format csv');
        const problem = replaySourceProblem(a);
        if (problem !== undefined) throw new UsageError(problem);
        return true;
      }),
  examples: [
    ['$0 replay --flows flows.jsonl --policies policies/ --change change/ --out results.jsonl', 'What a change would block or open'],
    ['$0 replay --flows calico.log.gz --policies policies/ --inventory pods.json@2026-11-20T08:00:00Z --out results.csv', 'Calico flow logs with a timed inventory snapshot'],
    ['kubectl logs ... | $0 replay --flows - --policies policies/ --staged', 'Staged policies as the proposal, flows on stdin'],
    ['$0 replay --kafka --brokers kafka:9092 --topic flows --since 2h --policies policies/ --change change/ --clickhouse-url http://clickhouse:8123', 'The last two hours of a topic into ClickHouse (prints the run id)'],
  ],
  async run(args, io) {
    const ctx = await loadAuditContext({ policies: args.policies, proposal: proposalFrom(args), inventory: args.inventory });
    if (!reportDiagnostics(ctx, io, 'replayed')) return EXIT.input;

    let decoderOptions;
    try {
      decoderOptions = args.map === undefined ? undefined : { csv: { map: parseColumnMap(args.map) } };
    } catch (err) {
      if (err instanceof DecoderConfigError) throw new UsageError(err.message);
      throw err;
    }
    const withProposal = ctx.views.proposed !== undefined;
    // With ClickHouse as the sink, a results file is written only when asked for.
    const stored = args['clickhouse-url'] !== undefined;
    const out = args.out ?? (stored ? undefined : '-');
    const runId = args['run-id'] ?? generatedRunId();
    let clickhouse: ClickHouseOutcomeSink | undefined;
    let kafka;
    try {
      kafka = args.kafka ? kafkaOptions(kafkaSettingsFromFlags(args), io.env) : undefined;
      // The Kafka and ClickHouse clients are loaded only by the runs that use them: a replay of files starts faster.
      if (stored) {
        const { openClickHouseOutcomes } = await import('../../sinks/clickhouse/outcomes.js');
        const options = clickHouseOptions(clickHouseSettingsFromFlags(args), io.env);
        clickhouse = await openClickHouseOutcomes(options, { runId, policyVersion: ctx.policyVersion });
      }
    } catch (err) {
      if (err instanceof TypeError) throw new UsageError(err.message);
      if (err instanceof ClickHouseSinkError) throw new InputError(err.message);
      throw err;
    }
    const results = out === undefined ? undefined : await openResultsFile(out, { withProposal, stdout: io.stdout });
    const deadLetterPath = args['dead-letters'] ?? (out === undefined || out === '-' ? 'dead-letters.jsonl' : `${out.replace(/\.(jsonl|json|csv)$/i, '')}.dead-letters.jsonl`);
    const deadLetters = lazy(() => deadLetterFile(deadLetterPath));
    const report = args.report === undefined ? undefined : new ReportBuilder('rule', 3);
    const coverage = args.coverage === undefined ? undefined : { path: args.coverage, counter: new CoverageCounter() };
    const consumers: OutcomeConsumer[] = [
      ...(results ? [results] : []),
      ...(clickhouse ? [clickhouse] : []),
      ...(report ? [{ write: (b: readonly Outcome[]) => b.forEach((o) => report.add(reportRowFromOutcome(o))) }] : []),
      ...(coverage ? [{ write: (b: readonly Outcome[]) => b.forEach((o) => coverage.counter.add(o)) }] : []),
    ];
    const progress = startProgress(io.stderr, io.stderrIsTTY, 'replay');
    const started = Date.now();
    let tally: ReplayTally;
    try {
      tally = kafka
        ? await (await import('../../daemon/kafka-replay.js')).replayKafka(
            { kafka, range: replayRange(args), format: args.format, maxLineBytes: args['max-line-bytes'], ...(decoderOptions ? { decoderOptions } : {}) },
            new Auditor(ctx.views, ctx.inventory),
            consumers,
            deadLetters.sink,
            (n) => progress.add(n),
          )
        : await replayFiles(
            { flows: args.flows ?? [], stdin: process.stdin, format: args.format, maxLineBytes: args['max-line-bytes'], ...(decoderOptions ? { decoderOptions } : {}) },
            new Auditor(ctx.views, ctx.inventory),
            consumers,
            deadLetters.sink,
            (n) => progress.add(n),
          );
    } catch (err) {
      if (err instanceof FlowFormatError || err instanceof DecoderConfigError) throw new InputError(err.message);
      if (err instanceof ClickHouseSinkError || (err instanceof Error && err.name.startsWith('KafkaJS'))) throw new InputError(err.message);
      throw err;
    } finally {
      progress.stop();
      await results?.close();
      await clickhouse?.close();
      await deadLetters.close();
    }
    if (report && args.report) await writeOutputFile(args.report, renderCsv(report.build()), io.stdout);
    let coverageLine: string | undefined;
    if (coverage) {
      const built = coverage.counter.build(ctx.views);
      await writeOutputFile(coverage.path, renderCoverageCsv(built), io.stdout);
      coverageLine = coverageSummary(built, coverage.path);
    }
    io.stderr.write(`${summary(tally, (Date.now() - started) / 1000, deadLetters.opened ? deadLetterPath : undefined, ctx, coverageLine)}${clickhouse ? ` | stored as run ${runId}` : ''}\n`);
    if (clickhouse && out !== '-') io.stdout.write(`${runId}\n`);
    return EXIT.ok;
  },
});

/** A dead-letter file created only when the first dead letter arrives, so clean runs leave no empty file. */
function lazy(open: () => DeadLetterSink): { sink: DeadLetterSink; close(): Promise<void>; readonly opened: boolean } {
  let sink: DeadLetterSink | undefined;
  return {
    sink: {
      async write(letters) {
        if (letters.length === 0) return;
        sink ??= open();
        await sink.write(letters);
      },
      async close() {
        await sink?.close();
      },
    },
    async close() {
      await sink?.close();
    },
    get opened() {
      return sink !== undefined;
    },
  };
}

function summary(
  t: ReplayTally,
  seconds: number,
  deadLetterPath: string | undefined,
  ctx: AuditContext,
  coverageLine: string | undefined,
): string {
  const parts = [`replayed ${t.flows} flows in ${seconds.toFixed(1)}s (${Math.round(t.flows / Math.max(seconds, 1e-3))}/s)`];
  parts.push([...t.verdicts].sort().map(([k, v]) => `${k} ${v}`).join(', '));
  const classes = [...t.classes].sort().map(([k, v]) => `${k} ${v}`);
  if (classes.length) parts.push(classes.join(', '));
  if (t.mismatches) parts.push(`${t.mismatches} disagree with the observed action`);
  if (t.rules.compared) parts.push(`${t.rules.differ} of ${t.rules.compared} decided by another rule than the log names`);
  const dead = t.decode.deadLetters.total;
  if (dead) parts.push(`${dead} dead letters (${JSON.stringify(t.decode.deadLetters.toJSON())}) in ${deadLetterPath}`);
  const skipped = t.decode.skipped.total;
  if (skipped) parts.push(`${skipped} skipped (${JSON.stringify(t.decode.skipped.toJSON())})`);
  if (coverageLine !== undefined) parts.push(coverageLine);
  if (ctx.inventory.stats.labelDisagreements) parts.push(`${ctx.inventory.stats.labelDisagreements} flow labels disagreed with the inventory`);
  parts.push(`policy version ${ctx.policyVersion}`);
  return parts.join(' | ');
}
