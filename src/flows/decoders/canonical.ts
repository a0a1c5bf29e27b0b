import { DecodeFailure, SkippedLine } from '../decode-result.js';
import { normaliseRecord } from '../normalise.js';
import type { FlowDecoder } from './types.js';
import { isBlank, parseObject } from './json-line.js';

/**
 * flowaudit's own JSONL (docs/flow-record.md): JSON.parse, then validation and normalisation in place on the
 * parsed object. This is the hot path of replay and the daemon: no copies, no per-field allocation.
 */
export function createDecoder(): FlowDecoder {
  return {
    format: 'canonical',
    decode(line) {
      if (isBlank(line)) return SkippedLine.blank;
      const o = parseObject(line);
      return o instanceof DecodeFailure ? o : normaliseRecord(o);
    },
  };
}
