import { defineCommand } from '../command.js';
import { EXIT, UsageError } from '../io.js';
import { policyOptions, proposalFrom } from '../options.js';
import { reportDiagnostics } from '../policy-problems.js';
import { formatExplanation, type Explanation } from '../../engine/index.js';
import { protocolNumber } from '../../flows/protocol.js';
import { parseTime } from '../../flows/time.js';
import type { FlowRecord } from '../../flows/record.js';
import { loadAuditContext } from '../../pipeline/context.js';

export default defineCommand({
  command: 'explain',
  describe: 'Show which tier, policy and rule decide one flow, in both directions',
  builder: (y) =>
    policyOptions(y)
      .option('from', { type: 'string', demandOption: true, describe: 'Source: NAMESPACE/POD, host:NODE or an IP' })
      .option('to', { type: 'string', demandOption: true, describe: 'Destination: NAMESPACE/POD, host:NODE or an IP' })
      .option('port', { type: 'number', describe: 'Destination port' })
      .option('src-port', { type: 'number', describe: 'Source port (only rules on source ports need it)' })
      .option('protocol', { type: 'string', default: 'TCP', describe: 'TCP, UDP, SCTP, ICMP, ICMPv6 or a number' })
      .option('icmp-type', { type: 'number' })
      .option('icmp-code', { type: 'number' })
      .option('time', { type: 'string', describe: 'When (RFC 3339): resolve pods as they were then' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the verdicts and traces as JSON' }),
  examples: [
    ['$0 explain --policies policies/ --from frontend/web-1 --to backend/api-1 --port 8080', 'Which rules decide web → api'],
    ['$0 explain --policies policies/ --change change/ --from 10.1.0.7 --to data/db-0 --port 5432', 'Now and after a change'],
  ],
  async run(args, io) {
    const proto = protocolNumber(args.protocol);
    if (proto === undefined) throw new UsageError(`--protocol ${args.protocol}: not a protocol name or number`);
    const time = args.time === undefined ? undefined : parseTime(args.time);
    if (args.time !== undefined && time === undefined) throw new UsageError(`--time ${args.time}: not an RFC 3339 time`);
    const flow: FlowRecord = {
      proto,
      ...side('src', args.from),
      ...side('dst', args.to),
      ...(time === undefined ? {} : { time }),
      ...(args.port === undefined ? {} : { dst_port: args.port }),
      ...(args['src-port'] === undefined ? {} : { src_port: args['src-port'] }),
      ...(args['icmp-type'] === undefined ? {} : { icmp_type: args['icmp-type'] }),
      ...(args['icmp-code'] === undefined ? {} : { icmp_code: args['icmp-code'] }),
    };
    const ctx = await loadAuditContext({ policies: args.policies, proposal: proposalFrom(args), inventory: args.inventory });
    if (!reportDiagnostics(ctx, io, 'explained')) return EXIT.input;
    const src = ctx.inventory.resolve(flow, 'src');
    const dst = ctx.inventory.resolve(flow, 'dst');
    const current = ctx.views.current.explain(flow, src, dst);
    const proposed = ctx.views.proposed?.explain(flow, src, dst);
    if (args.json) {
      io.stdout.write(`${JSON.stringify({ flow, current, ...(proposed ? { proposed } : {}) }, null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout.write(section(proposed ? 'current policy set' : undefined, current));
    if (proposed) io.stdout.write(`\n${section('proposed policy set', proposed)}`);
    return EXIT.ok;
  },
});

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
