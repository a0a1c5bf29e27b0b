import { writeFile } from 'node:fs/promises';
import { defineCommand } from '../command.js';
import { EXIT, InputError, UsageError } from '../io.js';
import { ReportBuilder, type GroupBy } from '../../report/aggregate.js';
import { readResultsFile } from '../../report/from-results.js';
import { renderCsv, renderJson, renderTable } from '../../report/render.js';
import { storedReportProblem, storedResultFilter, STORED_REPORT_OPTIONS } from '../../daemon/stored-report.js';
import { reportRowFromResult } from '../../pipeline/result-row.js';
import { clickHouseOptions, clickHouseSettingsFromFlags, ClickHouseSinkError, connectClickHouse, streamResults } from '../../sinks/clickhouse/index.js';

export const GROUP_BY: readonly GroupBy[] = ['rule', 'policy', 'namespace', 'pair'];
const OUTPUTS = ['table', 'json', 'csv'] as const;

export default defineCommand({
  command: 'report',
  describe: 'Which rules block traffic: counts, first/last seen and example flows from replay results',
  builder: (y) =>
    y
      .option('results', { type: 'string', array: true, describe: 'Result files written by replay (JSONL or CSV)' })
      .option('by', { choices: GROUP_BY, default: 'rule' as GroupBy, describe: 'Group denied flows by' })
      .option('top', { type: 'number', default: 3, describe: 'Example flows per group' })
      .option('csv', { type: 'string', describe: 'Also write the report as CSV to this file' })
      .option('output', { alias: 'o', choices: OUTPUTS, default: 'table' as (typeof OUTPUTS)[number], describe: 'Output format on stdout' })
      .options(STORED_REPORT_OPTIONS)
      .check((a) => {
        const problem = storedReportProblem(a);
        if (problem !== undefined) throw new UsageError(problem);
        return true;
      }),
  examples: [
    ['$0 report --results out/results.jsonl', 'Rules that deny traffic, as a table'],
    ['$0 report --results out/results.jsonl --by namespace -o json', 'Grouped by namespace, as JSON'],
    ['$0 report --results out/results.jsonl --csv blocked.csv', 'Table on stdout, CSV to a file'],
    ['$0 report --clickhouse-url http://clickhouse:8123 --run daemon:audit --since 24h', "The daemon's results of the last day"],
  ],
  async run(args, io) {
    if (!Number.isInteger(args.top) || args.top < 0) throw new UsageError('--top takes a whole number ≥ 0');
    const builder = new ReportBuilder(args.by, args.top);
    if (args['clickhouse-url'] !== undefined) {
      let options;
      try {
        options = clickHouseOptions(clickHouseSettingsFromFlags(args), io.env);
      } catch (err) {
        if (err instanceof TypeError) throw new UsageError(err.message);
        throw err;
      }
      try {
        const connection = await connectClickHouse(options);
        try {
          // The same ReportBuilder as for files: stored rows become ReportRows, each record once (FINAL).
          for await (const rows of streamResults(connection, storedResultFilter(args))) for (const row of rows) builder.add(reportRowFromResult(row));
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (err instanceof ClickHouseSinkError) throw new InputError(err.message);
        throw err;
      }
    }
    for (const path of args.results ?? []) {
      for await (const row of readResultsFile(path)) builder.add(row);
    }
    const report = builder.build();
    if (args.csv !== undefined) await writeFile(args.csv, renderCsv(report));
    const render = { table: renderTable, json: renderJson, csv: renderCsv }[args.output];
    io.stdout.write(render(report));
    return EXIT.ok;
  },
});
