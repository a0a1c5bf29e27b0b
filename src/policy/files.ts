/**
 * The file-system edge of policy loading: paths (files or folders) → file texts, in a deterministic order.
 * Folders are walked recursively for `.yaml`, `.yml` and `.json` files, sorted by path (bytewise, so the order
 * never depends on the machine's locale); entries starting with `.` are skipped, which keeps the `..data`
 * links of a mounted ConfigMap from loading every file twice. A file named directly is read whatever its name.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diagnostic, type Diagnostic } from './diagnostics.js';

export interface SourceText {
  readonly file: string;
  readonly text: string;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export async function readSourceTexts(paths: readonly string[]): Promise<{ texts: SourceText[]; diagnostics: Diagnostic[] }> {
  const texts: SourceText[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const unreadable = (file: string, e: unknown): void => {
    const reason = e instanceof Error ? e.message : String(e);
    diagnostics.push(diagnostic('file-unreadable', reason, { file, line: 1, column: 1, path: '' }));
  };
  for (const path of paths) {
    let files: string[];
    try {
      files = (await stat(path)).isDirectory() ? (await policyFilesUnder(path, new Set())).sort(bytewise) : [path];
    } catch (e) {
      unreadable(path, e);
      continue;
    }
    for (const file of files) {
      try {
        const real = await realpath(file);
        if (seen.has(real)) continue;
        seen.add(real);
        texts.push({ file, text: await readFile(file, 'utf8') });
      } catch (e) {
        unreadable(file, e);
      }
    }
  }
  return { texts, diagnostics };
}

async function policyFilesUnder(dir: string, visited: Set<string>): Promise<string[]> {
  // A link back to an ancestor folder would otherwise be walked forever.
  const real = await realpath(dir);
  if (visited.has(real)) return [];
  visited.add(real);
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Follow symbolic links to folders as kubectl -R does; `stat` resolves them.
    const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory());
    if (isDirectory) out.push(...(await policyFilesUnder(path, visited)));
    else if (EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) out.push(path);
  }
  return out;
}

function bytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
