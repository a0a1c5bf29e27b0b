/**
 * What the daemon's integration tests share: producing flow lines, reading stored results, scraping metrics,
 * running the daemon in process or as `node bin/flowaudit daemon` (so it can be killed), and a TCP proxy that
 * takes ClickHouse away and brings it back without touching the shared server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { resolveDaemonConfig, type DaemonConfig } from '../../src/daemon/config.js';
import { connectTypedProducer, ensureTopic } from '../../src/sources/kafka/index.js';
import { sqlIdentifier, sqlString, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { CLICKHOUSE_PASSWORD, CLICKHOUSE_PORT, CLICKHOUSE_URL, CLICKHOUSE_USER, KAFKA_BROKERS } from './services.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const DEMO = {
  policies: `${REPO}fixtures/demo/policies`,
  change: `${REPO}fixtures/demo/change`,
  inventory: `${REPO}fixtures/demo/inventory`,
  flows: `${REPO}fixtures/demo/flows.jsonl`,
};

/** The demo's flow lines (323: 321 flows and 2 bad lines). */
export function demoLines(): string[] {
  return readFileSync(DEMO.flows, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/** The demo's good lines only (the 2 bad ones are the last two dead letters of a replay). */
export function goodDemoLines(): string[] {
  return demoLines().filter((l) => {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      return o.proto !== undefined && o.dst_port !== undefined;
    } catch {
      return false;
    }
  });
}

export async function produce(kafka: Kafka, topic: string, values: readonly string[], opts: { partitions?: number; timestamp?: (i: number) => number } = {}): Promise<void> {
  await ensureTopic(kafka, { topic, partitions: opts.partitions ?? 1 });
  const producer = await connectTypedProducer<string>(kafka, { serialize: (v) => v });
  try {
    await producer.send(
      topic,
      values.map((value, i) => ({
        value,
        // Spread records over the partitions round-robin, so every partition has work.
        ...(opts.partitions !== undefined ? { partition: i % opts.partitions } : {}),
        ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp(i) } : {}),
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

/** Rows of a run: each input record once (FINAL), all stored copies, and distinct sources. */
export async function storedCounts(ch: ClickHouseConnection, runId: string): Promise<{ final: number; raw: number; sources: number }> {
  const table = `${sqlIdentifier(ch.database)}.${sqlIdentifier('results')}`;
  const [final] = await ch.rows<{ n: string }>(`SELECT count() AS n FROM ${table} FINAL WHERE run_id = ${sqlString(runId)}`, 'query');
  const [raw] = await ch.rows<{ n: string; s: string }>(`SELECT count() AS n, uniqExact(source) AS s FROM ${table} WHERE run_id = ${sqlString(runId)}`, 'query');
  return { final: Number(final?.n ?? 0), raw: Number(raw?.n ?? 0), sources: Number(raw?.s ?? 0) };
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Prometheus text → `name{labels}` → value (sums are left to the caller). */
export async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** The sum of every series of one metric. */
export function total(metrics: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of metrics) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export interface DaemonSettings {
  readonly topic: string;
  readonly group: string;
  readonly database: string;
  readonly policies?: readonly string[];
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly clickhouseUrl?: string;
}

/** Flags of a test daemon: the demo cluster and its change, fast retries, metrics on a free loopback port. */
export function daemonFlags(s: DaemonSettings): Record<string, unknown> {
  return {
    brokers: [...KAFKA_BROKERS],
    topic: s.topic,
    group: s.group,
    'clickhouse-url': s.clickhouseUrl ?? CLICKHOUSE_URL,
    'clickhouse-user': CLICKHOUSE_USER,
    'clickhouse-database': s.database,
    'clickhouse-timeout-ms': 5000,
    policies: s.policies ?? [DEMO.policies],
    change: [DEMO.change],
    inventory: [DEMO.inventory],
    'metrics-host': '127.0.0.1',
    'metrics-port': 0,
    'retry-initial-ms': 100,
    'retry-max-ms': 1000,
    'reload-debounce-ms': 100,
    'log-level': 'warn',
    ...s.extra,
  };
}

export const DAEMON_ENV = { FLOWAUDIT_CLICKHOUSE_PASSWORD: CLICKHOUSE_PASSWORD };

export function daemonConfig(s: DaemonSettings): DaemonConfig {
  return resolveDaemonConfig(daemonFlags(s), DAEMON_ENV);
}

/** `node bin/flowaudit daemon` with these flags; its JSON log is kept, and its metrics port read from it. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly log: string[] = [];
  readonly exited: Promise<number | null>;
  private partial = '';

  constructor(s: DaemonSettings) {
    const args: string[] = [];
    for (const [key, value] of Object.entries({ ...daemonFlags(s), 'log-level': 'info' })) {
      for (const v of Array.isArray(value) ? value : [value]) args.push(`--${key}`, String(v));
    }
    this.child = spawn(process.execPath, [`${REPO}bin/flowaudit`, 'daemon', ...args], {
      env: { ...process.env, ...DAEMON_ENV },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop() ?? '';
      this.log.push(...lines);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The metrics port once the daemon consumes. */
  async ready(timeoutMs = 60_000): Promise<number> {
    let port: number | undefined;
    await waitFor('the daemon to consume', () => {
      const line = this.log.find((l) => l.includes('"msg":"consuming"'));
      if (line !== undefined) port = (JSON.parse(line) as { metricsPort: number }).metricsPort;
      return port !== undefined;
    }, timeoutMs);
    return port!;
  }

  /** Resident memory in bytes, from /proc (Linux). */
  rss(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/**
 * A TCP proxy to ClickHouse's HTTP port that the test can close (refusing connections and cutting open ones, as
 * a server that went away) and open again on the same port.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: CLICKHOUSE_PORT });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
