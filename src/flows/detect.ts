import { AWS_FIELDS } from './decoders/aws-vpc.js';
import type { FlowFormat } from './decoders/types.js';

/**
 * `--format auto`: the format told from the first non-blank lines (docs/flow-record.md, "Auto-detection"). Lines
 * are tried in order and the first one that is decisive wins; undefined when none is.
 */
export function detectFormat(lines: readonly string[]): FlowFormat | undefined {
  for (const line of lines) {
    const text = line.trim();
    if (text.length === 0) continue;
    const format = text.startsWith('{') ? jsonFormat(text) : textFormat(text);
    if (format !== undefined) return format;
  }
  return undefined;
}

/** How many non-blank lines auto-detection looks at before giving up. */
export const DETECTION_LINES = 5;

const HUBBLE_NON_FLOW = ['node_status', 'lost_events', 'agent_event', 'debug_event'];

function jsonFormat(text: string): FlowFormat | undefined {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    o = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const has = (key: string): boolean => o[key] !== undefined;
  const flow = o.flow !== null && typeof o.flow === 'object' ? (o.flow as Record<string, unknown>) : undefined;
  if (flow?.Key !== undefined || has('Key')) return 'goldmane';
  if (flow !== undefined || has('verdict') || (has('IP') && has('l4')) || HUBBLE_NON_FLOW.some(has)) return 'hubble';
  // Whisker's flat shape writes `protocol`; Calico's flow logs and the canonical form write `proto`.
  if (has('protocol') && (has('source_labels') || has('dest_labels') || has('policies'))) return 'goldmane';
  if (['source_type', 'dest_type', 'source_ip', 'dest_ip', 'source_namespace', 'bytes_in', 'num_flows'].some(has)) return 'calico';
  if (has('proto') || has('src_ip') || has('dst_ip')) return 'canonical';
  return undefined;
}

const AWS_STATUS: ReadonlySet<string> = new Set(['OK', 'NODATA', 'SKIPDATA']);

function textFormat(text: string): FlowFormat | undefined {
  const tokens = text.split(' ');
  if (tokens.every((t) => AWS_FIELDS.has(t))) return 'aws-vpc'; // a custom-format header
  const version = Number(tokens[0]);
  if (Number.isInteger(version) && version >= 2 && AWS_STATUS.has(tokens[tokens.length - 1] as string)) return 'aws-vpc';
  if (text.includes(',')) return 'csv';
  return undefined;
}
