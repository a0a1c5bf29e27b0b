import type { Labels } from '../selector/types.js';

/** Where a record came from, for dead letters and result rows. */
export type SourcePosition =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string };

export type EndpointKindHint = 'pod' | 'host' | 'networkset' | 'net';

/**
 * The canonical flow record (docs/flow-record.md). Field names are those of the canonical JSONL form, so a
 * canonical line decodes by JSON.parse plus validation in place; fields not listed here are carried through
 * untouched (the index signature), and writers print them back.
 */
export interface FlowRecord {
  /** Epoch milliseconds, normalised from RFC 3339 or epoch seconds/milliseconds. */
  time?: number;
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
  observed_policies?: ObservedPolicyHit[];
  [extra: string]: unknown;
}

/** A policy hit as a flow log reports it (Calico `INDEX|TIER|NAME|ACTION|RULE`, Goldmane PolicyHit, Hubble). */
export interface ObservedPolicyHit {
  readonly index: number;
  readonly tier: string;
  /** Policy name as the log writes it (e.g. `production/default.allow-tcp-6379`). */
  readonly name: string;
  readonly namespace?: string;
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
