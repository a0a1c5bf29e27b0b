/**
 * The daemon's Prometheus metrics, in a registry of its own (two daemons in one process, as in the tests, do not
 * share counters). Names and labels are documented in docs/daemon.md ("Metrics").
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class DaemonMetrics {
  readonly registry = new Registry();

  readonly consumed = new Counter({
    name: 'flowaudit_messages_consumed_total',
    help: 'Kafka records handed to the daemon (redeliveries included)',
    registers: [this.registry],
  });
  readonly evaluated = new Counter({
    name: 'flowaudit_flows_evaluated_total',
    help: 'Flows decoded and evaluated',
    registers: [this.registry],
  });
  readonly inserted = new Counter({
    name: 'flowaudit_results_inserted_total',
    help: 'Result rows inserted into ClickHouse',
    registers: [this.registry],
  });
  readonly inserts = new Counter({
    name: 'flowaudit_clickhouse_inserts_total',
    help: 'INSERTs into ClickHouse (each stores the rows of one or more batches)',
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'flowaudit_dead_letters_total',
    help: 'Records sent to the dead-letter topic (or the log), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly skipped = new Counter({
    name: 'flowaudit_skipped_records_total',
    help: 'Records consumed without a flow (blank, headers, AWS NODATA...), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly verdicts = new Counter({
    name: 'flowaudit_verdicts_total',
    help: 'Evaluated flows by view (current, proposed) and verdict',
    labelNames: ['view', 'verdict'] as const,
    registers: [this.registry],
  });
  readonly changes = new Counter({
    name: 'flowaudit_changes_total',
    help: 'Evaluated flows by what the proposal changes (class)',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });
  readonly observedCompared = new Counter({
    name: 'flowaudit_observed_compared_total',
    help: "Flows whose log says what happened, compared with the current view, by level: action (the log's allow or deny), rule (the policy and rule the log names)",
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  readonly observedDrift = new Counter({
    name: 'flowaudit_observed_drift_total',
    help: 'Of the compared flows, those the current view decides otherwise, by level (action, rule)',
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'flowaudit_batch_duration_seconds',
    help: 'From a batch handed over to its offsets committed, retries included',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'flowaudit_consumer_lag',
    help: 'Records behind the partition end after the last committed batch',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });
  readonly reloads = new Counter({
    name: 'flowaudit_policy_reloads_total',
    help: 'Policy reloads that took effect',
    registers: [this.registry],
  });
  readonly reloadFailures = new Counter({
    name: 'flowaudit_policy_reload_failures_total',
    help: 'Policy edits rejected (errors in the files): the last good set kept running',
    registers: [this.registry],
  });
  readonly policyInfo = new Gauge({
    name: 'flowaudit_policy_info',
    help: 'Always 1; the label is the content hash of the policy set in use',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });
  readonly policyBroken = new Gauge({
    name: 'flowaudit_policy_files_broken',
    help: '1 while the policy files on disk have errors (the last good set runs), else 0',
    registers: [this.registry],
  });
  readonly clickhouseRetries = new Counter({
    name: 'flowaudit_clickhouse_retries_total',
    help: 'ClickHouse requests retried after a retriable failure',
    registers: [this.registry],
  });
  readonly deadLetterRetries = new Counter({
    name: 'flowaudit_dead_letter_retries_total',
    help: 'Dead-letter produce requests retried',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  setPolicyVersion(version: string): void {
    this.policyInfo.reset();
    this.policyInfo.set({ version }, 1);
  }
}
