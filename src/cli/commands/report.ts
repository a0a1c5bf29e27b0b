import { defineCommand } from '../command.js';
import { EXIT, InputError, UsageError, writeOutputFile } from '../io.js';
import { optionalPolicyOptions, proposalFrom } from '../options.js';
import { reportDiagnostics } from '../policy-problems.js';
import { ReportBuilder, type GroupBy } from '../../report/aggregate.js';
import { readResultsFile } from '../../report/from-results.js';
import { CoverageCounter } from '../../report/coverage.js';
import { coverageSummary, renderCoverageCsv, renderCsv, renderJson, renderTable } from '../../report/render.js';
import type { ReportRow } from '../../report/row.js';
import type { AuditViews } from '../../pipeline/audit.js';
import { loadAuditContext } from '../../pipeline/context.js';
import { storedReportProblem, storedResultFilter, STORED_REPORT_OPTIONS } from '../../daemon/stored-report.js';
import { reportRowFromResult } from '../../pipeline/result-row.js';
import { clickHouseSettingsFromFlags } from '../../sinks/clickhouse/flags.js';
import { clickHouseOptions } from '../../sinks/clickhouse/options.js';
import { ClickHouseSinkError } from '../../sinks/clickhouse/sink-error.js';

export const GROUP_BY: readonly GroupBy[] = ['rule', 'policy', 'namespace', 'pair'];
const OUTPUTS = ['table', 'json', 'csv'] as const;

export default defineCommand({
  command: 'report',
  describe: 'Which rules block traffic: counts, first/last seen and example flows from replay results',
  builder: (y) =>
    optionalPolicyOptions(y)
      .option('results', { type: 'string', array: true, describe: 'Result files written by replay (JSONL or CSV)' })
      .option('by', { choices: GROUP_BY, default: 'rule' as GroupBy, describe: 'Group denied flows by' })
      .option('top', { type: 'number', default: 3, describe: 'Example flows per group' })
      .option('csv', { type: 'string', describe: 'Also write the report as CSV to this file (- for stdout)' })
      .option('output', { alias: 'o', choices: OUTPUTS, default: 'table' as (typeof OUTPUTS)[number], describe: 'Output format on stdout' })
      .option('coverage', {
        type: 'string',
        describe: 'Also write, as CSV, every rule of --policies (and of the proposal, if given) with the flows the rows say it decided',
      })
      .options(STORED_REPORT_OPTIONS)
      .group(['results', 'by', 'top', 'csv', 'output'], 'Report:')
      .group(['coverage', 'policies', 'proposed', 'change', 'staged', 'inventory'], 'Rule coverage:')
      .check((a) => {
        const problem = storedReportProblem(a);
        if (problem !== undefined) throw new UsageError(problem);
        if ((a.coverage === undefined) !== (a.policies === undefined)) throw new UsageError('--coverage and --policies go together: the rules to cover are those of --policies');
        if (a.coverage === undefined && (a.proposed !== undefined || a.change !== undefined || a.staged || a.inventory.length > 0)) {
          throw new UsageError('--proposed, --change, --staged and --inventory name the views --coverage lists; give --coverage and --policies');
        }
        return true;
      }),
  examples: [
    ['$0 report --results out/results.jsonl', 'Rules that deny traffic, as a table'],
    ['$0 report --results out/results.jsonl --by namespace -o json', 'Grouped by namespace, as JSON'],
    ['$0 report --results out/results.jsonl --csv blocked.csv', 'Table on stdout, CSV to a file'],
    ['$0 report --clickhouse-url http://clickhouse:8123 --run daemon:audit --since 24h', "The daemon's results of the last day"],
    ['$0 report --clickhouse-url http://clickhouse:8123 --since 30d --policies policies/ --coverage rules.csv', 'Which rules decided no flow in 30 days'],
  ],
  async run(args, io) {
    if (!Number.isInteger(args.top) || args.top < 0) throw new UsageError('--top takes a whole number ≥ 0');
    const builder = new ReportBuilder(args.by, args.top);
    let covered: { readonly path: string; readonly counter: CoverageCounter; readonly views: AuditViews } | undefined;
    if (args.coverage !== undefined && args.policies !== undefined) {
      const ctx = await loadAuditContext({ policies: args.policies, proposal: proposalFrom(args), inventory: args.inventory });
      if (!reportDiagnostics(ctx, io, 'reported')) return EXIT.input;
      covered = { path: args.coverage, counter: new CoverageCounter(), views: ctx.views };
    }
    const add = (row: ReportRow): void => {
      builder.add(row);
      covered?.counter.addRow(row);
    };
    if (args['clickhouse-url'] !== undefined) {
      let options;
      try {
        options = clickHouseOptions(clickHouseSettingsFromFlags(args), io.env);
      } catch (err) {
        if (err instanceof TypeError) throw new UsageError(err.message);
        throw err;
      }
      try {
        // The ClickHouse client is loaded only by the reports that read from it.
        const { connectClickHouse, streamResults } = await import('../../sinks/clickhouse/index.js');
        const connection = await connectClickHouse(options);
        try {
          // The same ReportBuilder as for files: stored rows become ReportRows, each record once (FINAL).
          for await (const rows of streamResults(connection, storedResultFilter(args))) for (const row of rows) add(reportRowFromResult(row));
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (err instanceof ClickHouseSinkError) throw new InputError(err.message);
        throw err;
      }
    }
    for (const path of args.results ?? []) {
      for await (const row of readResultsFile(path)) add(row);
    }
    const report = builder.build();
    if (args.csv !== undefined) await writeOutputFile(args.csv, renderCsv(report), io.stdout);
    if (covered !== undefined) {
      const { path, counter, views } = covered;
      // A proposal given for rows that were evaluated without one would list every proposed rule as unhit.
      const withoutProposal = views.proposed !== undefined && !counter.sawProposed;
      if (withoutProposal) io.stderr.write('warning: no result row has a proposed_rule: coverage of the proposed view left out\n');
      const coverage = counter.build({ current: views.current, proposed: withoutProposal ? undefined : views.proposed });
      await writeOutputFile(path, renderCoverageCsv(coverage), io.stdout);
      io.stderr.write(`${coverageSummary(coverage, path)} (Pass and Log rules: not in result rows)\n`);
    }
    const render = { table: renderTable, json: renderJson, csv: renderCsv }[args.output];
    io.stdout.write(render(report));
    return EXIT.ok;
  },
});
