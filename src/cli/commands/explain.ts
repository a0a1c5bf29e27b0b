import { defineCommand } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { policyOptions, proposalFrom } from '../options.js';
import { reportDiagnostics } from '../policy-problems.js';
import { formatExplanation, type Explanation, type Verdict } from '../../engine/index.js';
import { DecodeFailure, SkippedLine } from '../../flows/decode-result.js';
import { createDecoder } from '../../flows/decoders/index.js';
import { protocolNumber } from '../../flows/protocol.js';
import { parseTime } from '../../flows/time.js';
import type { FlowRecord } from '../../flows/record.js';
import { actionDrift } from '../../pipeline/classify.js';
import { loadAuditContext } from '../../pipeline/context.js';
import { ruleDrift, type RuleDrift } from '../../pipeline/rule-drift.js';

/** The formats of one JSON flow record (`--flow`); CSV and AWS lines need their header. */
const RECORD_FORMATS = ['canonical', 'calico', 'goldmane', 'hubble'] as const;

export default defineCommand({
  command: 'explain',
  describe: 'Show which tier, policy and rule decide one flow, in both directions',
  builder: (y) =>
    policyOptions(y)
      .option('from', { type: 'string', describe: 'Source: NAMESPACE/POD, host:NODE or an IP' })
      .option('to', { type: 'string', describe: 'Destination: NAMESPACE/POD, host:NODE or an IP' })
      .option('flow', {
        type: 'string',
        describe: 'Instead of --from/--to: one flow record as a JSON line (a row of replay results works), decided as replay decides it, next to what its log says',
      })
      .option('format', { choices: RECORD_FORMATS, default: 'canonical' as (typeof RECORD_FORMATS)[number], describe: 'Format of the --flow record' })
      .option('port', { type: 'number', describe: 'Destination port' })
      .option('src-port', { type: 'number', describe: 'Source port (only rules on source ports need it)' })
      .option('protocol', { type: 'string', describe: 'TCP (the default), UDP, SCTP, ICMP, ICMPv6 or a number' })
      .option('icmp-type', { type: 'number' })
      .option('icmp-code', { type: 'number' })
      .option('time', { type: 'string', describe: 'When (RFC 3339): resolve pods as they were then' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the verdicts and traces as JSON' })
      .check((a) => {
        if (a.flow !== undefined) {
          const mixed = ['from', 'to', 'port', 'src-port', 'protocol', 'icmp-type', 'icmp-code', 'time'].filter((n) => a[n] !== undefined);
          if (mixed.length > 0) throw new UsageError(`--flow gives the whole flow: leave out ${mixed.map((n) => `--${n}`).join(', ')}`);
        } else if (a.from === undefined || a.to === undefined) throw new UsageError('give --from and --to, or --flow');
        return true;
      }),
  examples: [
    ['$0 explain --policies policies/ --from frontend/web-1 --to backend/api-1 --port 8080', 'Which rules decide web → api'],
    ['$0 explain --policies policies/ --change change/ --from 10.1.0.7 --to data/db-0 --port 5432', 'Now and after a change'],
    ['$0 explain --policies policies/ --inventory pods.json --flow "$(sed -n 7p results.jsonl)"', 'Why one result row is what it is'],
  ],
  async run(args, io) {
    let flow: FlowRecord;
    if (args.flow !== undefined) {
      const decoded = createDecoder(args.format).decode(args.flow, { kind: 'file', file: '--flow', line: 1 });
      if (decoded instanceof DecodeFailure) {
        io.stderr.write(`--flow: ${decoded.reason}: ${decoded.message}\n`);
        return EXIT.input;
      }
      if (decoded instanceof SkippedLine) {
        io.stderr.write(`--flow: not a flow (${decoded.reason})\n`);
        return EXIT.input;
      }
      flow = decoded;
    } else flow = flowFromOptions(args);
    const ctx = await loadAuditContext({ policies: args.policies, proposal: proposalFrom(args), inventory: args.inventory });
    if (!reportDiagnostics(ctx, io, 'explained')) return EXIT.input;
    const src = ctx.inventory.resolve(flow, 'src');
    const dst = ctx.inventory.resolve(flow, 'dst');
    const current = ctx.views.current.explain(flow, src, dst);
    const proposed = ctx.views.proposed?.explain(flow, src, dst);
    const logged = whatTheLogSays(flow, current.verdict);
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ flow, current, ...(proposed ? { proposed } : {}), ...(logged ? { logged } : {}) }, null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout.write(section(proposed ? 'current policy set' : undefined, current));
    if (proposed) io.stdout.write(`\n${section('proposed policy set', proposed)}`);
    if (logged !== undefined) io.stdout.write(`\n${loggedText(logged)}`);
    return EXIT.ok;
  },
});

/** The flow `--from`, `--to` and the other options describe. */
function flowFromOptions(args: {
  from?: string | undefined;
  to?: string | undefined;
  protocol?: string | undefined;
  time?: string | undefined;
  port?: number | undefined;
  'src-port'?: number | undefined;
  'icmp-type'?: number | undefined;
  'icmp-code'?: number | undefined;
}): FlowRecord {
  const proto = protocolNumber(args.protocol ?? 'TCP');
  if (proto === undefined) throw new UsageError(`--protocol ${args.protocol}: not a protocol name or number`);
  const time = args.time === undefined ? undefined : parseTime(args.time);
  if (args.time !== undefined && time === undefined) throw new UsageError(`--time ${args.time}: not an RFC 3339 time`);
  return {
    proto,
    ...side('src', args.from ?? ''),
    ...side('dst', args.to ?? ''),
    ...(time === undefined ? {} : { time }),
    ...(args.port === undefined ? {} : { dst_port: args.port }),
    ...(args['src-port'] === undefined ? {} : { src_port: args['src-port'] }),
    ...(args['icmp-type'] === undefined ? {} : { icmp_type: args['icmp-type'] }),
    ...(args['icmp-code'] === undefined ? {} : { icmp_code: args['icmp-code'] }),
  };
}

/** What a flow's log says happened, next to the current view's decision. */
interface Logged {
  readonly action?: 'allow' | 'deny';
  /** Whether the current verdict is the other one; absent when it is unknown. */
  readonly actionDiffers?: boolean;
  /** The deciding rule the log names, and whether the current view decided otherwise (pipeline/rule-drift.ts). */
  readonly rule?: RuleDrift;
}

/** Undefined when the log gives neither an action nor a deciding rule. */
function whatTheLogSays(flow: FlowRecord, current: Verdict): Logged | undefined {
  const rule = ruleDrift(flow, current);
  if (flow.action === undefined && rule === undefined) return undefined;
  const actionDiffers = actionDrift(flow.action, current.verdict);
  return {
    ...(flow.action === undefined ? {} : { action: flow.action }),
    ...(actionDiffers === undefined ? {} : { actionDiffers }),
    ...(rule === undefined ? {} : { rule }),
  };
}

function loggedText(l: Logged): string {
  const agreement = (differs: boolean | undefined, what: string) =>
    differs === undefined ? '' : differs ? ` (the current policy set decides ${what} otherwise)` : ' (as the current policy set decides)';
  const lines = ['== the log'];
  if (l.action !== undefined) lines.push(`action: ${l.action}${agreement(l.actionDiffers, 'the flow')}`);
  if (l.rule !== undefined) lines.push(`deciding rule: ${l.rule.observed}${agreement(l.rule.mismatch, 'that direction')}`);
  return `${lines.join('\n')}\n`;
}

function section(title: string | undefined, e: Explanation): string {
  return `${title ? `== ${title}\n` : ''}${formatExplanation(e)}\n`;
}

/** `ns/pod` → namespace and name hints, `host:node` → a host endpoint by name, anything else → an IP. */
function side(prefix: 'src' | 'dst', text: string): Partial<FlowRecord> {
  if (text.startsWith('host:')) return { [`${prefix}_name`]: text.slice(5), [`${prefix}_kind`]: 'host' };
  const slash = text.indexOf('/');
  if (slash > 0 && !text.includes(':') && !/^\d+\.\d+\.\d+\.\d+\//.test(text)) {
    return { [`${prefix}_namespace`]: text.slice(0, slash), [`${prefix}_name`]: text.slice(slash + 1), [`${prefix}_kind`]: 'pod' };
  }
  return { [`${prefix}_ip`]: text };
}
