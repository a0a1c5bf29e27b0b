import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { normaliseRecord } from '../normalise.js';
import { isIcmp } from '../protocol.js';
import type { FlowDecoder } from './types.js';

/**
 * AWS VPC flow logs as text: the version 2 default format, or a custom format whose field list is given as an
 * option or read from a header line (S3 delivery writes one at the top of each file; a concatenation of files
 * repeats it, and each header replaces the field list). Mapping: docs/flow-record.md, "aws-vpc".
 */
export interface AwsVpcOptions {
  /** The custom format's fields in order, for logs without a header line (CloudWatch Logs delivery). */
  readonly fields?: readonly string[];
}

/** `${version} ${account-id} ...`: the default format, version 2. */
const DEFAULT_FIELDS: readonly string[] = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets',
  'bytes', 'start', 'end', 'action', 'log-status',
];

/** Every field name AWS documents (versions 2 to 8): a line made only of these is a header. */
export const AWS_FIELDS: ReadonlySet<string> = new Set([
  ...DEFAULT_FIELDS,
  'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'region', 'az-id',
  'sublocation-type', 'sublocation-id', 'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction',
  'traffic-path', 'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id',
  'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn',
  'ecs-task-id', 'reject-reason',
]);

export function createDecoder(options: AwsVpcOptions = {}): FlowDecoder {
  let layout = fieldLayout(options.fields ?? DEFAULT_FIELDS);
  return {
    format: 'aws-vpc',
    decode(line) {
      const text = line.trim();
      if (text.length === 0) return SkippedLine.blank;
      const values = text.split(' ');
      if (AWS_FIELDS.has(values[0] as string) && values.every((v) => AWS_FIELDS.has(v))) {
        layout = fieldLayout(values);
        return SkippedLine.header;
      }
      if (values.length !== layout.count) {
        return new DecodeFailure('field-count', `${values.length} fields, the format has ${layout.count}`);
      }
      return fromValues(values, layout);
    },
  };
}

/** Column index of each field the mapping reads (-1 when the format lacks it). */
interface FieldLayout {
  readonly count: number;
  readonly at: (field: string) => number;
}

function fieldLayout(fields: readonly string[]): FieldLayout {
  const index = new Map(fields.map((f, i) => [f, i]));
  return { count: fields.length, at: (f) => index.get(f) ?? -1 };
}

function fromValues(values: readonly string[], layout: FieldLayout): ReturnType<typeof normaliseRecord> | SkippedLine {
  const get = (field: string): string | undefined => {
    const i = layout.at(field);
    const v = i < 0 ? undefined : values[i];
    return v === '-' ? undefined : v;
  };
  const status = get('log-status');
  if (status === 'NODATA') return SkippedLine.awsNoData;
  if (status === 'SKIPDATA') return SkippedLine.awsSkipData;

  const numbers: Record<string, number | undefined> = {};
  for (const field of ['srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end'] as const) {
    const text = get(field);
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) return new DecodeFailure('invalid-field', `${field} ${JSON.stringify(text)} is not a number`);
    numbers[field] = n;
  }
  const proto = numbers.protocol;
  // ICMP records carry ports `0 0`; they are no ports.
  const ports = proto === undefined || !isIcmp(proto);
  const direction = get('flow-direction');
  const action = get('action');
  const r: Record<string, unknown> = {
    time: numbers.start,
    end_time: numbers.end,
    proto,
    // Through a NAT gateway or transit gateway interface the packet addresses are the flow's own.
    src_ip: get('pkt-srcaddr') ?? get('srcaddr'),
    dst_ip: get('pkt-dstaddr') ?? get('dstaddr'),
    src_port: ports ? numbers.srcport : undefined,
    dst_port: ports ? numbers.dstport : undefined,
    action: action === 'ACCEPT' ? 'allow' : action === 'REJECT' ? 'deny' : action,
    // The log is written at the interface: traffic entering it was reported by the destination side.
    reporter: direction === 'ingress' ? 'dst' : direction === 'egress' ? 'src' : undefined,
    bytes: numbers.bytes,
    packets: numbers.packets,
    aws_interface_id: get('interface-id'),
  };
  return normaliseRecord(r);
}
