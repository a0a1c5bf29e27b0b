import { parse } from 'csv-parse/sync';
import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { labelsFromCell } from '../labels.js';
import { normaliseRecord } from '../normalise.js';
import { DecoderConfigError, type FlowDecoder } from './types.js';

/**
 * CSV with a header row. Each canonical field reads the column named like it, or the column `--map` names for it
 * (`--map src_ip=SourceAddress,dst_ip=DestAddress`); columns that feed no canonical field are carried through as
 * text. One record per line: a quoted value spanning lines is not supported (`invalid-csv`).
 */
export interface CsvOptions {
  /** Canonical field → column name, overriding same-name matching. */
  readonly map?: Readonly<Record<string, string>>;
}

type Cell = (text: string) => unknown;

const integerCell: Cell = (text) => {
  const n = Number(text);
  return Number.isInteger(n) ? n : text; // text left as is: the record check names the field
};
const textCell: Cell = (text) => text;
const labelsCell: Cell = (text) => {
  const labels = labelsFromCell(text);
  return typeof labels === 'string' ? new DecodeFailure('invalid-field', labels) : labels;
};
const jsonCell: Cell = (text) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new DecodeFailure('invalid-field', `${JSON.stringify(text)} is not JSON`);
  }
};

/** Every canonical field and how its cell is read; times and protocols stay text for the record check to parse. */
const CANONICAL_CELLS: ReadonlyMap<string, Cell> = new Map<string, Cell>([
  ['time', textCell], ['end_time', textCell], ['proto', textCell],
  ['src_ip', textCell], ['dst_ip', textCell], ['src_port', integerCell], ['dst_port', integerCell],
  ['icmp_type', integerCell], ['icmp_code', integerCell], ['action', textCell], ['reporter', textCell],
  ['bytes', integerCell], ['packets', integerCell], ['count', integerCell],
  ['src_namespace', textCell], ['src_name', textCell], ['src_name_aggr', textCell], ['src_labels', labelsCell],
  ['src_service_account', textCell], ['src_kind', textCell],
  ['dst_namespace', textCell], ['dst_name', textCell], ['dst_name_aggr', textCell], ['dst_labels', labelsCell],
  ['dst_service_account', textCell], ['dst_kind', textCell],
  ['dst_service_name', textCell], ['dst_service_namespace', textCell], ['dst_service_port', integerCell],
  ['dst_service_port_name', textCell], ['observed_policies', jsonCell],
]);

/** `src_ip=SourceAddress,dst_ip=DestAddress` → a map; unknown canonical names are a configuration error. */
export function parseColumnMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const field = pair.slice(0, eq).trim();
    const column = pair.slice(eq + 1).trim();
    if (eq <= 0 || column === '') throw new DecoderConfigError(`--map entry ${JSON.stringify(pair)} is not canonical=Column`);
    checkField(field);
    map[field] = column;
  }
  return map;
}

function checkField(field: string): void {
  if (!CANONICAL_CELLS.has(field)) throw new DecoderConfigError(`--map names ${JSON.stringify(field)}, which is no canonical field`);
}

/** Column index → where its cell goes; null for a column that is dropped. */
interface Layout {
  readonly width: number;
  readonly columns: ReadonlyArray<{ readonly key: string; readonly cell: Cell } | null>;
}

/** Throws DecoderConfigError for a map naming an unknown field, and (at the header) a missing column. */
export function createDecoder(options: CsvOptions = {}): FlowDecoder {
  const map = options.map ?? {};
  Object.keys(map).forEach(checkField);
  let layout: Layout | undefined;
  return {
    format: 'csv',
    decode(line) {
      if (line.trim().length === 0) return SkippedLine.blank;
      const cells = parseLine(line);
      if (cells instanceof DecodeFailure) return cells;
      if (layout === undefined) {
        layout = layoutFor(cells, map);
        return SkippedLine.header;
      }
      if (cells.length !== layout.width) {
        return new DecodeFailure('field-count', `${cells.length} cells, the header has ${layout.width}`);
      }
      const r: Record<string, unknown> = {};
      for (let i = 0; i < cells.length; i++) {
        const text = cells[i] as string;
        const column = layout.columns[i];
        if (text === '' || !column) continue; // an empty cell is an absent value
        const { key, cell } = column;
        const value = cell(text);
        if (value instanceof DecodeFailure) return new DecodeFailure(value.reason, `${key}: ${value.message}`);
        r[key] = value;
      }
      return normaliseRecord(r);
    },
  };
}

function parseLine(line: string): string[] | DecodeFailure {
  let records: string[][];
  try {
    records = parse(line, { relax_column_count: true });
  } catch (err) {
    return new DecodeFailure('invalid-csv', err instanceof Error ? err.message : String(err));
  }
  if (records.length !== 1) return new DecodeFailure('invalid-csv', `${records.length} records on one line`);
  return records[0] as string[];
}

/**
 * Each header column feeds the canonical field mapped to it, or the field of its own name when no mapping takes
 * that field elsewhere (a column named like a field mapped to another column is dropped, so it cannot overwrite
 * it); other columns are carried under their header name.
 */
function layoutFor(header: readonly string[], map: Readonly<Record<string, string>>): Layout {
  const fieldOfColumn = new Map<string, string>();
  for (const [field, column] of Object.entries(map)) {
    if (!header.includes(column)) throw new DecoderConfigError(`--map ${field}=${column}: the header has no column ${JSON.stringify(column)}`);
    fieldOfColumn.set(column, field);
  }
  const mappedFields = new Set(Object.keys(map));
  const columns = header.map((name) => {
    const field = fieldOfColumn.get(name) ?? (CANONICAL_CELLS.has(name) && !mappedFields.has(name) ? name : undefined);
    if (field !== undefined) return { key: field, cell: CANONICAL_CELLS.get(field) as Cell };
    return CANONICAL_CELLS.has(name) ? null : { key: name, cell: textCell };
  });
  return { width: header.length, columns };
}
