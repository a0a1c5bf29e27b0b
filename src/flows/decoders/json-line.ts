import { DecodeFailure } from '../decode-result.js';
import type { EndpointKindHint } from '../record.js';

/** Helpers the JSON decoders share: parsing one line, and the spellings every Calico-family log uses. */

/** True for an empty or whitespace-only line; a line starting with `{` is decided at its first character. */
export function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  if (c === 123) return false; // {
  return line.trim().length === 0;
}

/** JSON.parse of one line, which must hold an object. */
export function parseObject(line: string): Record<string, unknown> | DecodeFailure {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return new DecodeFailure('invalid-json', err instanceof Error ? err.message : String(err));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return new DecodeFailure('invalid-json', 'the line is JSON but not an object');
  }
  return value as Record<string, unknown>;
}

/** A nested object field, or undefined when it is absent or not an object. */
export function objectField(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = o[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Calico writes `-` (and Goldmane sometimes an empty string) for "no value". */
export function present(value: unknown): unknown {
  return value === '-' || value === '' || value === null ? undefined : value;
}

/**
 * Sum of an in/out counter pair; undefined when both are absent; a failure naming the field when either is not a
 * non-negative integer.
 */
export function counterSum(o: Record<string, unknown>, inKey: string, outKey: string): number | undefined | DecodeFailure {
  const a = o[inKey];
  const b = o[outKey];
  if (a === undefined && b === undefined) return undefined;
  for (const [key, v] of [
    [inKey, a],
    [outKey, b],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0)) {
      return new DecodeFailure('invalid-field', `${key} ${JSON.stringify(v)} is not a non-negative integer`);
    }
  }
  return ((a as number | undefined) ?? 0) + ((b as number | undefined) ?? 0);
}

/** Calico flow-log endpoint types (`source_type`) to canonical kinds. */
export const CALICO_TYPE_KIND: Readonly<Record<string, EndpointKindHint>> = { wep: 'pod', hep: 'host', ns: 'networkset', net: 'net' };

/**
 * The record's field names of each side. Decoders store through these rather than `${side}_kind`: a key built per
 * store is a new string V8 must look up among its internalised ones every time (several times slower per record).
 */
export const SIDE_FIELDS = {
  src: { kind: 'src_kind', namespace: 'src_namespace', name: 'src_name', nameAggr: 'src_name_aggr', labels: 'src_labels', serviceAccount: 'src_service_account' },
  dst: { kind: 'dst_kind', namespace: 'dst_namespace', name: 'dst_name', nameAggr: 'dst_name_aggr', labels: 'dst_labels', serviceAccount: 'dst_service_account' },
} as const;

/**
 * Puts a logged endpoint name on the record. An aggregated name (`web-7d4f-*`) is a prefix of many pods, and a
 * network peer's name (`pub`, `pvt`) a class of addresses: both go to `<side>_name_aggr`, for reports, and never
 * to `<side>_name`, which the inventory resolves exactly.
 */
export function setName(r: Record<string, unknown>, s: 'src' | 'dst', name: unknown, kind: EndpointKindHint | undefined): void {
  const v = present(name);
  if (v === undefined) return;
  const aggregate = kind === 'net' || (typeof v === 'string' && v.includes('*'));
  r[aggregate ? SIDE_FIELDS[s].nameAggr : SIDE_FIELDS[s].name] = v;
}
