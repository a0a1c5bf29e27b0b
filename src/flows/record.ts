import type { Labels } from '../selector/types.js';
import { ipv4NumberOf } from './ip.js';

/** Where a record came from, for dead letters and result rows. */
export type SourcePosition =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | {
      readonly kind: 'kafka';
      readonly topic: string;
      readonly partition: number;
      readonly offset: string;
      /**
       * 1-based line of a value that held several newline-separated records, which share the message's
       * (topic, partition, offset); absent for a value of one record.
       */
      readonly line?: number;
    };

export type EndpointKindHint = 'pod' | 'host' | 'networkset' | 'net';

/**
 * The canonical flow record (docs/flow-record.md). Field names are those of the canonical JSONL form, so a
 * canonical line decodes by JSON.parse plus validation in place; fields not listed here are carried through
 * untouched (the index signature), and writers print them back.
 */
export interface FlowRecord {
  /** Epoch milliseconds, normalised from RFC 3339 or epoch seconds/milliseconds. */
  time?: number;
  /** End of an aggregation interval (Calico, Goldmane, AWS): epoch milliseconds, normalised like `time`. */
  end_time?: number;
  /** IANA protocol number (TCP 6, UDP 17, ICMP 1, ICMPv6 58, SCTP 132, UDPLite 136). */
  proto: number;
  src_ip?: string;
  dst_ip?: string;
  src_port?: number;
  dst_port?: number;
  icmp_type?: number;
  icmp_code?: number;
  /** What the dataplane did, when the log says. */
  action?: 'allow' | 'deny';
  reporter?: 'src' | 'dst';
  bytes?: number;
  packets?: number;
  count?: number;
  src_namespace?: string;
  src_name?: string;
  src_labels?: Labels;
  src_service_account?: string;
  src_kind?: EndpointKindHint;
  dst_namespace?: string;
  dst_name?: string;
  dst_labels?: Labels;
  dst_service_account?: string;
  dst_kind?: EndpointKindHint;
  /** Aggregated workload names (`web-7d4f-*`): a hint for reports, never resolved as a name. */
  src_name_aggr?: string;
  dst_name_aggr?: string;
  /** The Kubernetes Service the client addressed, when the log says (Calico, Goldmane). */
  dst_service_name?: string;
  dst_service_namespace?: string;
  dst_service_port?: number;
  dst_service_port_name?: string;
  observed_policies?: readonly ObservedPolicyHit[];
  [extra: string]: unknown;
}

/**
 * A policy hit as a flow log reports it (Calico `INDEX|TIER|NAME|ACTION|RULE`, Goldmane PolicyHit, Hubble), with
 * the log's name decorations parsed off (docs/flow-record.md, "observed_policies").
 */
export interface ObservedPolicyHit {
  readonly index: number;
  /** Calico tier; `__PROFILE__` for profiles; empty for Cilium policies, which have no tiers. */
  readonly tier: string;
  /**
   * Policy name without namespace, `staged:` or `knp.default.` decorations. Calico's legacy log format writes
   * Calico policies with their tier prefix (`default.allow-tcp-6379`), and that prefix is kept as logged.
   */
  readonly name: string;
  readonly namespace?: string;
  /**
   * Resource kind: `NetworkPolicy` / `GlobalNetworkPolicy` (Calico), their `Staged*` kinds,
   * `KubernetesNetworkPolicy`, `StagedKubernetesNetworkPolicy`, `ClusterNetworkPolicy`, `AdminNetworkPolicy`,
   * `BaselineAdminNetworkPolicy`, `Profile`, or what Hubble reports (`CiliumNetworkPolicy`...).
   */
  readonly kind?: string;
  readonly action: 'allow' | 'deny' | 'pass';
  /** Rule index; -1 = end of tier (no rule matched), -2 = unknown. */
  readonly rule: number;
  readonly staged: boolean;
  /** enforced | pending | transit (Calico field it came from). */
  readonly set: 'enforced' | 'pending' | 'transit';
}

/** A decoded flow and where it came from. */
export interface DecodedFlow {
  readonly record: FlowRecord;
  readonly pos: SourcePosition;
  /**
   * The input line's bytes, when they are the record's canonical JSON as given (canonical input that
   * normalisation did not rewrite): JSONL writers append the verdict columns to them instead of serialising the
   * record again.
   */
  readonly json: LineBytes | undefined;
  /**
   * The record's src_ip and dst_ip as IPv4 numbers (flows/ip.ts ipv4Number; -1: no address, or not IPv4), as the
   * decoder read them: the inventory looks addresses up by number, and the byte scanner has the number already.
   */
  readonly srcV4: number;
  readonly dstV4: number;
}

/**
 * A DecodedFlow. `addresses`: the record's addresses as numbers when the decoder read them so (the byte scanner's
 * ScannedLine); without them they are read from the record's text.
 */
export function decodedFlow(
  record: FlowRecord,
  pos: SourcePosition,
  json: LineBytes | undefined,
  addresses?: { readonly srcV4: number; readonly dstV4: number },
): DecodedFlow {
  return {
    record,
    pos,
    json,
    srcV4: addresses === undefined ? ipv4NumberOf(record.src_ip) : addresses.srcV4,
    dstV4: addresses === undefined ? ipv4NumberOf(record.dst_ip) : addresses.dstV4,
  };
}

/** A line as it was read: `bytes[start, end)`, without its line break. */
export interface LineBytes {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
}

/** A record that could not be decoded or resolved: goes to the dead-letter output, never dropped. */
export interface DeadLetter {
  readonly pos: SourcePosition;
  /** Stable reason code, e.g. `invalid-json`, `missing-field`, `line-too-long`. */
  readonly reason: string;
  readonly message: string;
  /** The raw input, possibly truncated. */
  readonly raw: string;
}

export const PROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPv6: 58, SCTP: 132, UDPLite: 136 } as const;
