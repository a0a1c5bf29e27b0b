import { defineCommand } from '../command.js';
import { EXIT, InputError, UsageError } from '../io.js';
import { CLICKHOUSE_FLAGS, clickHouseSettingsFromFlags } from '../../sinks/clickhouse/flags.js';
import { clickHouseOptions, type ClickHouseOptions } from '../../sinks/clickhouse/options.js';
import { ClickHouseSinkError } from '../../sinks/clickhouse/sink-error.js';

const ACTIONS = ['migrate'] as const;

export default defineCommand({
  command: 'db <action>',
  describe: "Manage flowaudit's ClickHouse tables: migrate creates or upgrades them (idempotent) and applies retention",
  builder: (y) =>
    y
      .positional('action', { choices: ACTIONS, demandOption: true, describe: 'migrate' })
      .options(CLICKHOUSE_FLAGS)
      .option('retention-days', { type: 'number', describe: 'Drop the daily partitions of results older than this many days' })
      .check((a) => {
        const days = a['retention-days'];
        if (days !== undefined && !(Number.isInteger(days) && days >= 1)) throw new UsageError('--retention-days takes a whole number ≥ 1');
        return true;
      }),
  examples: [
    ['$0 db migrate --clickhouse-url http://clickhouse:8123', 'Create the tables (safe to run at every deploy)'],
    ['$0 db migrate --clickhouse-url http://clickhouse:8123 --retention-days 30', 'Also drop results older than 30 days'],
  ],
  async run(args, io) {
    let options: ClickHouseOptions;
    try {
      options = clickHouseOptions(clickHouseSettingsFromFlags(args), io.env);
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(error.message);
      throw error;
    }
    try {
      // Loaded here, not at start-up: every other command runs without the ClickHouse client.
      const { connectClickHouse, migrate } = await import('../../sinks/clickhouse/index.js');
      const connection = await connectClickHouse(options);
      try {
        const report = await migrate(connection, args['retention-days'] === undefined ? {} : { retentionDays: args['retention-days'] });
        const schema =
          report.fromVersion === report.toVersion
            ? `schema version ${report.toVersion}, up to date`
            : `schema version ${report.fromVersion} → ${report.toVersion}`;
        const dropped = report.droppedPartitions.length === 0 ? '' : `; dropped partitions ${report.droppedPartitions.join(', ')}`;
        io.stdout.write(`${connection.database}: ${schema}${dropped}\n`);
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (error instanceof ClickHouseSinkError) throw new InputError(error.message);
      throw error;
    }
    return EXIT.ok;
  },
});
