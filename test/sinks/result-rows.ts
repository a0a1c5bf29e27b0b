/**
 * Result rows for tests: a body read back as ClickHouse reads TabSeparated (so a test sees what the writer
 * stores), the row an outcome must give (the plain definition the writer is checked against), and a body written
 * from rows a test made up (so ClickHouse tests can store rows without an audit: same column order, same
 * `tsvString` escaping and rule ids as sinks/clickhouse/rows.ts).
 */
import type { Outcome } from '../../src/pipeline/outcome.js';
import { ruleColumn } from '../../src/pipeline/output-row.js';
import { rowIp, rowTime, sideColumns, sourceCoordinates, type RunStamp } from '../../src/pipeline/result-row.js';
import type { ResultRow } from '../../src/pipeline/result.js';
import { type EncodedRows, ROW_COLUMNS } from '../../src/sinks/clickhouse/rows.js';
import { ruleId } from '../../src/sinks/clickhouse/rule-ids.js';
import { tsvString } from '../../src/sinks/clickhouse/tsv.js';

type Column = (typeof ROW_COLUMNS)[number];

/** ClickHouse's reading of one TabSeparated string field (`readEscapedString`) for the escapes tsvString emits. */
export function untsv(field: string): string {
  const escapes: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', '0': '\0' };
  return field.replace(/\\(.)/g, (_, ch: string) => {
    const decoded = escapes[ch];
    if (decoded === undefined) throw new Error(`unexpected escape \\${ch}`);
    return decoded;
  });
}

/** The raw fields of every line of a body, by column (escapes as written). */
export function bodyFields(body: EncodedRows): Record<Column, string>[] {
  const text = Buffer.concat(body.chunks).toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error('a body ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const values = line.split('\t');
      if (values.length !== ROW_COLUMNS.length) throw new Error(`${values.length} fields in ${JSON.stringify(line)}`);
      return Object.fromEntries(ROW_COLUMNS.map((c, i) => [c, values[i]!])) as Record<Column, string>;
    });
}

/**
 * A body as the rows ClickHouse stores from it (`time` back in epoch ms), with the rule texts the body lists for
 * their ids (a report's reading); an id the body does not list, or lists with another text's id, throws.
 */
export function readBody(body: EncodedRows): ResultRow[] {
  const ruleText = (id: string): string => {
    if (id === '0') return '';
    const text = body.rules.get(id);
    if (text === undefined) throw new Error(`rule id ${id} is not in the body's rules`);
    if (ruleId(text) !== id) throw new Error(`rule id ${id} listed with the text of ${ruleId(text)}`);
    return text;
  };
  return bodyFields(body).map((f) => {
    const seconds = Number(f.time);
    if (!/^\d{10,}$/.test(f.time)) throw new Error(`time ${f.time} is not ten digits`);
    const port = (v: string) => (v === '\\N' ? null : Number(v));
    return {
      run_id: untsv(f.run_id),
      source: untsv(f.source),
      time: seconds * 1000 + Number(f.time_ms),
      src_ip: untsv(f.src_ip),
      src_port: port(f.src_port),
      dst_ip: untsv(f.dst_ip),
      dst_port: port(f.dst_port),
      proto: Number(f.proto),
      src_namespace: untsv(f.src_namespace),
      src_name: untsv(f.src_name),
      dst_namespace: untsv(f.dst_namespace),
      dst_name: untsv(f.dst_name),
      src_endpoint: untsv(f.src_endpoint),
      dst_endpoint: untsv(f.dst_endpoint),
      observed_action: f.observed_action as ResultRow['observed_action'],
      verdict: f.verdict as ResultRow['verdict'],
      reason: untsv(f.reason),
      rule: ruleText(f.rule_id),
      proposed_verdict: f.proposed_verdict as ResultRow['proposed_verdict'],
      proposed_rule: ruleText(f.proposed_rule_id),
      class: f.class as ResultRow['class'],
      observed_mismatch: f.observed_mismatch === '1',
      policy_version: untsv(f.policy_version),
      bytes: Number(f.bytes),
      packets: Number(f.packets),
      count: Number(f.count),
      observed_rule: untsv(f.observed_rule),
      observed_rule_mismatch: f.observed_rule_mismatch === '\\N' ? null : f.observed_rule_mismatch === '1',
    };
  });
}

/** Rows a test made up, as a body (numbers as given: a test that stores impossible ones gets what it asked for). */
export function bodyOf(rows: readonly ResultRow[]): EncodedRows {
  const rules = new Map<string, string>();
  const id = (text: string): string => {
    if (text === '') return '0';
    rules.set(ruleId(text), text);
    return ruleId(text);
  };
  const line = (r: ResultRow): string => {
    const values: Record<Column, string> = {
      run_id: tsvString(r.run_id),
      policy_version: tsvString(r.policy_version),
      source: tsvString(r.source),
      time: String(Math.floor(r.time / 1000)).padStart(10, '0'),
      time_ms: String(r.time % 1000),
      src_ip: tsvString(r.src_ip),
      src_port: r.src_port === null ? '\\N' : String(r.src_port),
      dst_ip: tsvString(r.dst_ip),
      dst_port: r.dst_port === null ? '\\N' : String(r.dst_port),
      proto: String(r.proto),
      src_namespace: tsvString(r.src_namespace),
      src_name: tsvString(r.src_name),
      src_endpoint: tsvString(r.src_endpoint),
      dst_namespace: tsvString(r.dst_namespace),
      dst_name: tsvString(r.dst_name),
      dst_endpoint: tsvString(r.dst_endpoint),
      verdict: r.verdict,
      reason: tsvString(r.reason),
      rule_id: id(r.rule),
      proposed_verdict: r.proposed_verdict,
      proposed_rule_id: id(r.proposed_rule),
      class: r.class,
      observed_action: r.observed_action,
      observed_mismatch: r.observed_mismatch ? '1' : '0',
      bytes: String(r.bytes),
      packets: String(r.packets),
      count: String(r.count),
      observed_rule: tsvString(r.observed_rule),
      observed_rule_mismatch: r.observed_rule_mismatch === null ? '\\N' : r.observed_rule_mismatch ? '1' : '0',
    };
    return `${ROW_COLUMNS.map((c) => values[c]).join('\t')}\n`;
  };
  return { chunks: [Buffer.from(rows.map(line).join(''), 'utf8')], rows: rows.length, rules };
}

/**
 * What the stored row of an outcome must say, field by field, in the plainest words (one object per row): the
 * definition the writer, which makes no object per row, is checked against.
 */
export function expectedRow(o: Outcome, stamp: RunStamp): ResultRow {
  const r = o.flow.record;
  const src = sideColumns(o.src, r.src_namespace, r.src_name);
  const dst = sideColumns(o.dst, r.dst_namespace, r.dst_name);
  return {
    run_id: stamp.runId,
    source: sourceCoordinates(o.flow.pos),
    time: rowTime(r),
    src_ip: rowIp(r.src_ip, o.src),
    src_port: r.src_port ?? null,
    dst_ip: rowIp(r.dst_ip, o.dst),
    dst_port: r.dst_port ?? null,
    proto: r.proto,
    src_namespace: src.namespace,
    src_name: src.name,
    dst_namespace: dst.namespace,
    dst_name: dst.name,
    src_endpoint: src.endpoint,
    dst_endpoint: dst.endpoint,
    observed_action: r.action ?? '',
    verdict: o.current.verdict,
    reason: o.current.reason ?? '',
    rule: ruleColumn(o.current),
    proposed_verdict: o.proposed?.verdict ?? '',
    proposed_rule: o.proposed === undefined ? '' : ruleColumn(o.proposed),
    class: o.cls ?? '',
    observed_mismatch: o.mismatch,
    policy_version: stamp.policyVersion,
    bytes: r.bytes ?? 0,
    packets: r.packets ?? 0,
    count: r.count ?? 1,
    observed_rule: o.drift?.observed ?? '',
    observed_rule_mismatch: o.drift?.mismatch ?? null,
  };
}
