import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayRange, replaySourceProblem } from '../../src/daemon/replay-source.js';
import { storedReportProblem, storedResultFilter } from '../../src/daemon/stored-report.js';
import { parseTimeArg } from '../../src/daemon/time-arg.js';
import { resultConditions } from '../../src/sinks/clickhouse/report.js';
import { runCapture } from '../cli/harness.js';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

describe('parseTimeArg', () => {
  it.each([
    ['2026-11-20T10:00:00Z', Date.UTC(2026, 10, 20, 10)],
    ['2026-11-20T10:00:00.250+01:00', Date.UTC(2026, 10, 20, 9, 0, 0, 250)],
    ['90s', NOW - 90_000],
    ['1h30m', NOW - 5_400_000],
    ['7d', NOW - 7 * 86_400_000],
    ['250ms', NOW - 250],
    ['yesterday', undefined],
    ['1.5h', undefined],
    ['2026-11-20', undefined],
  ])('%s → %s', (text, ms) => {
    expect(parseTimeArg(text, NOW)).toBe(ms);
  });
});

describe('replay input rules', () => {
  it.each([
    [{ flows: ['f.jsonl'] }, undefined],
    [{ kafka: true, topic: 't', since: '2h', until: '2026-11-20T10:00:00Z' }, undefined],
    [{}, 'give either --flows or --kafka'],
    [{ flows: ['f'], kafka: true, topic: 't' }, 'give either --flows or --kafka'],
    [{ kafka: true }, '--kafka needs --topic'],
    [{ flows: ['f'], since: '2h' }, '--topic, --since and --until apply to --kafka'],
    [{ kafka: true, topic: 't', since: 'soon' }, '--since soon: not an RFC 3339 time or a duration (2h, 30m)'],
    [{ flows: ['f'], 'run-id': 'r' }, '--run-id applies to --clickhouse-url'],
  ])('%j → %s', (args, problem) => {
    expect(replaySourceProblem(args)).toBe(problem);
  });

  it('turns --since/--until into the topic range', () => {
    expect(replayRange({ kafka: true, topic: 't', since: '1h', until: '2026-11-20T11:30:00Z' }, NOW)).toEqual({
      topic: 't',
      since: NOW - 3_600_000,
      until: Date.UTC(2026, 10, 20, 11, 30),
    });
  });
});

describe('stored report rules', () => {
  it.each([
    [{ results: ['r.jsonl'] }, undefined],
    [{ 'clickhouse-url': 'http://c:8123', run: 'daemon:a' }, undefined],
    [{ 'clickhouse-url': 'http://c:8123', since: '24h' }, undefined],
    [{}, 'give either --results or --clickhouse-url'],
    [{ 'clickhouse-url': 'http://c:8123' }, '--clickhouse-url needs --run or --since (or both)'],
    [{ results: ['r'], run: 'x' }, '--run, --since and --until apply to --clickhouse-url'],
  ])('%j → %s', (args, problem) => {
    expect(storedReportProblem(args)).toBe(problem);
  });

  it('filters by run and flow time, escaping the run id only through sqlString', () => {
    const filter = storedResultFilter({ 'clickhouse-url': 'u', run: "it's\\", since: '2026-11-20T10:00:00Z', until: '30m' }, NOW);
    expect(filter).toEqual({ runId: "it's\\", since: Date.UTC(2026, 10, 20, 10), until: NOW - 1_800_000 });
    expect(resultConditions(filter)).toBe(
      `run_id = 'it\\'s\\\\' AND time >= toDateTime(${Date.UTC(2026, 10, 20, 10) / 1000}) AND toUInt64(time) * 1000 + time_ms >= ${Date.UTC(2026, 10, 20, 10)}` +
        ` AND time <= toDateTime(${(NOW - 1_800_000) / 1000}) AND toUInt64(time) * 1000 + time_ms < ${NOW - 1_800_000}`,
    );
    expect(resultConditions({})).toBe('1');
    expect(() => resultConditions({ since: 1.5 })).toThrow(RangeError);
  });
});

describe('CLI usage errors (exit 2, nothing started)', () => {
  it.each([
    [['daemon', '--topic', 't'], /missing --group, --policies/],
    [['daemon', '--topic', 't', '--group', 'g', '--policies', 'p', '--brokers', 'no-port'], /is not host:port/],
    [['db', 'migrate', '--retention-days', '0'], /--retention-days takes a whole number/],
    [['db', 'drop'], /Invalid values/],
    [['replay', '--policies', 'fixtures/cli/cluster.yaml'], /give either --flows or --kafka/],
    [['replay', '--policies', 'fixtures/cli/cluster.yaml', '--kafka', '--topic', 't', '--until', 'later'], /--until later/],
    [['report', '--clickhouse-url', 'http://127.0.0.1:1'], /needs --run or --since/],
  ])('%j', async (argv, message) => {
    const r = await runCapture(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a password in the daemon config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowaudit-cfg-'));
    await writeFile(join(dir, 'd.yaml'), 'topic: t\ngroup: g\npolicies: [p]\nclickhouse-password: x\n');
    const r = await runCapture(['daemon', '--config', join(dir, 'd.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clickhouse-password: secrets are read from the environment or a file/);
  });
});
