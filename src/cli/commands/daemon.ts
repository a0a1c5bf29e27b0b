import { defineCommand } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { DAEMON_OPTIONS, DaemonConfigError, resolveDaemonConfig, type DaemonConfig } from '../../daemon/config.js';

export default defineCommand({
  command: 'daemon',
  describe: 'Audit flow records from Kafka continuously into ClickHouse, reloading policy files as they change',
  builder: (y) => y.options(DAEMON_OPTIONS),
  examples: [
    [
      '$0 daemon --brokers kafka:9092 --topic flows --group audit --clickhouse-url http://clickhouse:8123 --policies /etc/flowaudit/policies',
      'Evaluate every flow on the topic under the current policy set',
    ],
    ['$0 daemon --config /etc/flowaudit/daemon.yaml --staged', 'Settings from a file; staged policies as the proposal'],
    ['FLOWAUDIT_TOPIC=flows FLOWAUDIT_GROUP=audit $0 daemon --policies policies/ --dead-letter-topic flows-dlq', 'Settings from variables; bad records to a topic'],
  ],
  async run(args, io) {
    let config: DaemonConfig;
    try {
      config = resolveDaemonConfig(args, io.env);
    } catch (error) {
      if (error instanceof DaemonConfigError || error instanceof TypeError) throw new UsageError(error.message);
      throw error;
    }
    // The daemon's modules (Kafka and ClickHouse clients, metrics, logging) are loaded only when it runs.
    const { DaemonStartError, startDaemon } = await import('../../daemon/daemon.js');
    const daemon = startDaemon(config, io);
    // SIGTERM (Kubernetes) and SIGINT (a terminal) both mean: finish the batch in hand, commit, leave the group.
    const stop = (): void => void daemon.stop();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    try {
      await daemon.done;
      return EXIT.ok;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr.write(`error: ${error instanceof DaemonStartError ? message : `the daemon stopped: ${message}`}\n`);
      return EXIT.input;
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  },
});
