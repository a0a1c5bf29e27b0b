/**
 * The daemon in process on the real Kafka and ClickHouse: the demo flows (plus flows of several connections, host
 * endpoints and synthetic pods, which the demo lacks) through a topic give exactly the rows and the report that
 * file replay gives; bad records reach the dead-letter topic; policy edits take effect without a restart, and a
 * broken edit is reported and ignored.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../../src/daemon/daemon.js';
import { connectClickHouse, sqlIdentifier, sqlString, type ClickHouseConnection } from '../../src/sinks/clickhouse/index.js';
import { DEAD_LETTER_HEADERS, kafkaClient } from '../../src/sources/kafka/index.js';
import { runCapture } from '../cli/harness.js';
import { PARITY, parityLines } from '../daemon/helpers.js';
import { DAEMON_ENV, daemonConfig, DEMO, demoLines, produce, REPO, scrape, storedCounts, total, waitFor } from './daemon-harness.js';
import { clickHouseTestOptions, kafkaTestOptions, testNames, CLICKHOUSE_URL, CLICKHOUSE_USER } from './services.js';

const names = testNames(import.meta.url);
const topic = names.topic('flows');
const dlq = names.topic('dlq');
const group = `${names.topic('group')}`;
const runId = `daemon:${group}`;
const topics = [topic, dlq];
const INVENTORY = [DEMO.inventory, `${REPO}${PARITY.inventory}`];
/** Stored rows once the demo's 321 good lines and the parity lines are in. */
const FLOWS = 321 + parityLines().length;

let kafka: Kafka;
let ch: ClickHouseConnection;
let daemon: DaemonHandle;
let metricsPort: number;
let policyDir: string;
const stderr: string[] = [];

beforeAll(async () => {
  kafka = kafkaClient(kafkaTestOptions('flowaudit-daemon-test'));
  ch = await connectClickHouse(clickHouseTestOptions(names.database));
  // A copy of the demo policies the test may edit.
  policyDir = await mkdtemp(join(tmpdir(), 'flowaudit-daemon-policies-'));
  await cp(DEMO.policies, policyDir, { recursive: true });
  await produce(kafka, topic, demoLines(), { partitions: 2 });
  // All on partition 0, in file order: synthetic endpoints are numbered in the order the inventory first sees them
  // (`synthetic:<ns>/<name>#<n>`), so they must reach the daemon in the order the file replay reads them.
  await produce(kafka, topic, parityLines(), { partitions: 1 });
  const log = { write: (chunk: string) => void stderr.push(chunk) };
  daemon = startDaemon(
    daemonConfig({
      topic,
      group,
      database: names.database,
      policies: [policyDir],
      extra: { inventory: INVENTORY, 'dead-letter-topic': dlq, 'log-level': 'info' },
    }),
    { stderr: log as unknown as NodeJS.WritableStream },
  );
  metricsPort = (await daemon.ready).metricsPort;
});

afterAll(async () => {
  await daemon?.stop();
  await ch.command(`DROP DATABASE IF EXISTS ${sqlIdentifier(names.database)}`, 'migrate');
  await ch.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
});

async function readTopic(name: string, count: number): Promise<{ value: string; headers: Record<string, string> }[]> {
  const consumer = kafka.consumer({ groupId: `${name}-reader`, maxWaitTimeInMs: 200 });
  const seen: { value: string; headers: Record<string, string> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [name], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          seen.push({ value: message.value?.toString() ?? '', headers });
          if (seen.length >= count) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return seen;
}

describe('the daemon on the demo flows', () => {
  it('stores exactly one row per flow, and the stored report equals the report of a file replay', async () => {
    await waitFor(`${FLOWS} stored rows`, async () => (await storedCounts(ch, runId)).final >= FLOWS);
    const counts = await storedCounts(ch, runId);
    expect(counts).toEqual({ final: FLOWS, raw: FLOWS, sources: FLOWS });

    const dir = await mkdtemp(join(tmpdir(), 'flowaudit-daemon-replay-'));
    const flows = join(dir, 'flows.jsonl');
    await writeFile(flows, `${[...demoLines(), ...parityLines()].join('\n')}\n`);
    const results = join(dir, 'results.jsonl');
    const inventory = INVENTORY.flatMap((path) => ['--inventory', path]);
    const replay = await runCapture(['replay', '--policies', policyDir, '--change', DEMO.change, ...inventory, '--flows', flows, '--out', results]);
    expect(replay.code).toBe(0);
    const fromFile = await runCapture(['report', '--results', results, '-o', 'json']);
    const stored = await runCapture(
      ['report', '--clickhouse-url', CLICKHOUSE_URL, '--clickhouse-user', CLICKHOUSE_USER, '--clickhouse-database', names.database, '--run', runId, '-o', 'json'],
      DAEMON_ENV,
    );
    expect(stored.code).toBe(0);
    // The demo's 321 flows and the parity flows, which stand for 29 connections.
    expect(JSON.parse(stored.stdout).totals).toMatchObject({
      rows: FLOWS,
      flows: 321 + 29,
      classes: { 'unchanged-allow': 220 + 6, 'unchanged-deny': 43 + 7, 'would-allow': 30, 'would-block': 28 + 16 },
    });
    // Text for text: same groups, same counts, same names (host endpoints and synthetic pods by their inventory key).
    expect(stored.stdout).toBe(fromFile.stdout);
    expect(stored.stdout).toContain('"node-1/eth0"');
    expect(stored.stdout).toContain('"backend/batch-7f9c#70bb4361"');
    // The same per-flow verdicts, flow by flow: file lines and topic offsets are both in produced order per partition.
    const rows = await ch.rows<{ source: string; verdict: string; proposed_verdict: string }>(
      `SELECT source, verdict, proposed_verdict FROM ${sqlIdentifier(names.database)}.results FINAL WHERE run_id = ${sqlString(runId)}`,
      'query',
    );
    const fileRows = readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { verdict: string; proposed_verdict: string });
    const byVerdict = (list: { verdict: string; proposed_verdict: string }[]) => list.map((r) => `${r.verdict}/${r.proposed_verdict}`).sort();
    expect(byVerdict(rows)).toEqual(byVerdict(fileRows));
  });

  it('sends the undecodable records to the dead-letter topic with reason and coordinates, before committing', async () => {
    const letters = await readTopic(dlq, 2);
    expect(letters.map((l) => l.headers[DEAD_LETTER_HEADERS.reason]).sort()).toEqual(['invalid-json', 'missing-field']);
    const lines = demoLines();
    for (const l of letters) {
      expect(lines).toContain(l.value);
      expect(l.headers[DEAD_LETTER_HEADERS.topic]).toBe(topic);
      expect(Number(l.headers[DEAD_LETTER_HEADERS.offset])).toBeGreaterThanOrEqual(0);
      expect(l.headers[DEAD_LETTER_HEADERS.message]).not.toBe('');
    }
    const metrics = await scrape(metricsPort);
    expect(total(metrics, 'flowaudit_dead_letters_total')).toBe(2);
    expect(total(metrics, 'flowaudit_messages_consumed_total')).toBe(323 + parityLines().length);
  });

  it('stores each line of a multi-line record as a result of its own', async () => {
    const lines = demoLines().slice(0, 3);
    await produce(kafka, topic, [lines.join('\n')], { partitions: 2 });
    await waitFor(`${FLOWS + 3} rows`, async () => (await storedCounts(ch, runId)).final >= FLOWS + 3);
    const sources = await ch.rows<{ source: string }>(
      `SELECT source FROM ${sqlIdentifier(names.database)}.results WHERE run_id = ${sqlString(runId)} AND position(source, '#') > 0 ORDER BY source`,
      'query',
    );
    expect(sources.map((s) => s.source.replace(/.*#/, '#'))).toEqual(['#1', '#2', '#3']);
  });

  it('picks up a policy edit without a restart, and reports and ignores a broken one', async () => {
    const before = await scrape(metricsPort);
    const firstVersion = [...before.keys()].find((k) => k.startsWith('flowaudit_policy_info'))!;
    // The first demo line: an Internet client to the gateway on 8443, allowed today.
    const probe = demoLines()[0]!;
    await writeFile(
      join(policyDir, '05-deny-8443.yaml'),
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.deny-https-8443
spec:
  tier: security
  order: 5
  selector: all()
  types: [Ingress]
  ingress:
    - action: Deny
      protocol: TCP
      destination:
        ports: [8443]
`,
    );
    await waitFor('the reload', async () => total(await scrape(metricsPort), 'flowaudit_policy_reloads_total') >= 1, 30_000);
    const edited = await scrape(metricsPort);
    const editedVersion = [...edited.keys()].find((k) => k.startsWith('flowaudit_policy_info'))!;
    expect(editedVersion).not.toBe(firstVersion);

    await produce(kafka, topic, [probe], { partitions: 2 });
    await waitFor(`${FLOWS + 4} rows`, async () => (await storedCounts(ch, runId)).final >= FLOWS + 4);
    const [latest] = await ch.rows<{ verdict: string; rule: string; policy_version: string }>(
      // The rule's text through the rules table, as docs/services.md shows hand-written queries.
      `SELECT verdict, r.rule_text AS rule, policy_version FROM ${sqlIdentifier(names.database)}.results FINAL
       ANY LEFT JOIN (SELECT rule_id, any(rule) AS rule_text FROM ${sqlIdentifier(names.database)}.rules GROUP BY rule_id) AS r USING rule_id
       WHERE run_id = ${sqlString(runId)} ORDER BY inserted_at DESC, source DESC LIMIT 1`,
      'query',
    );
    expect(latest).toMatchObject({ verdict: 'deny' });
    expect(latest!.rule).toContain('security.deny-https-8443');
    expect(editedVersion).toContain(latest!.policy_version);

    await writeFile(join(policyDir, '06-broken.yaml'), 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: security.broken}\nspec: {tier: security, selector: "app ==", types: [Ingress]}\n');
    await waitFor('the rejected reload', async () => total(await scrape(metricsPort), 'flowaudit_policy_reload_failures_total') >= 1, 30_000);
    const broken = await scrape(metricsPort);
    expect(broken.get('flowaudit_policy_files_broken')).toBe(1);
    expect(broken.get(editedVersion)).toBe(1);
    expect(stderr.join('')).toMatch(/policy edit rejected: the last good policy set keeps running/);

    await produce(kafka, topic, [probe], { partitions: 2 });
    await waitFor(`${FLOWS + 5} rows`, async () => (await storedCounts(ch, runId)).final >= FLOWS + 5);
    const versions = await ch.rows<{ policy_version: string; n: string }>(
      `SELECT policy_version, count() AS n FROM ${sqlIdentifier(names.database)}.results FINAL WHERE run_id = ${sqlString(runId)} GROUP BY policy_version ORDER BY n DESC`,
      'query',
    );
    expect(versions.map((v) => Number(v.n))).toEqual([FLOWS + 3, 2]);
    expect(editedVersion).toContain(versions[1]!.policy_version);
  });

  it('stops on request: the last batch committed, the group left, done resolved', async () => {
    await daemon.stop();
    await expect(daemon.done).resolves.toBeUndefined();
    const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`).catch((e: unknown) => e);
    expect(res).toBeInstanceOf(Error);
  });
});
