/**
 * Stage 1 of policy loading: text → documents whose values are plain data and whose every field can be traced
 * back to a line and column (source-document.ts). Three readers, one result:
 * - a `.json` file that JSON.parse accepts skips the YAML parsers (far slower on large `kubectl -o json` dumps)
 *   and is located by JsonLocator;
 * - YAML both parsers read alike goes through js-yaml (yaml-fast.ts), positions found later with yaml;
 * - anything else (syntax errors, tags, anchors, directives, JSON that JSON.parse rejects) goes through yaml
 *   (yaml-full.ts), which reports every problem with its position.
 */
import type { Diagnostic } from './diagnostics.js';
import { JsonLocator } from './json-locator.js';
import { LineIndex, SourceDocument } from './source-document.js';
import { parseYamlFast } from './yaml-fast.js';
import { parseYamlFully } from './yaml-full.js';

/** Parses every document of a file; documents with syntax errors are reported and left out. */
export function parseDocuments(file: string, text: string): { documents: SourceDocument[]; diagnostics: Diagnostic[] } {
  const lines = new LineIndex(text);
  if (file.toLowerCase().endsWith('.json')) {
    const json = parseJson(text);
    if (json !== undefined) {
      const locator = new JsonLocator(text);
      const documents = json.value === null ? [] : [new SourceDocument(file, json.value, (s) => locator.locate(s), lines)];
      return { documents, diagnostics: [] };
    }
  }
  const documents = parseYamlFast(file, text, lines);
  return documents === undefined ? parseYamlFully(file, text, lines) : { documents, diagnostics: [] };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
