/**
 * Field paths as diagnostics print them: `spec.ingress[2].destination.ports[0]`,
 * `metadata.labels["app.kubernetes.io/name"]`. The document reader and every converter build paths with these
 * two functions only, so a converter's path always finds the node the reader recorded.
 */

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function childPath(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function itemPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

const SEGMENT = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;

/** The keys and indices of a path built by childPath/itemPath: `spec.ports[0]` → ['spec', 'ports', 0]. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < path.length) {
    const m = SEGMENT.exec(path);
    if (m === null) throw new Error(`not a field path: ${path}`);
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3] ?? '""') as string);
  }
  return out;
}
