import { resolve } from 'node:path';
import { parseTime } from '../flows/time.js';

export interface InventoryArg {
  readonly path: string;
  /** Epoch ms when the file is a snapshot taken at a known time. */
  readonly time?: number;
}

/**
 * `--inventory FILE@TIME`: a `kubectl get pods,namespaces,serviceaccounts -A -o json` snapshot (or any inventory
 * file) and when it was taken, RFC 3339 or epoch seconds/ms (`snap.json@2025-11-23T10:00:00Z`). Without `@TIME`
 * the file is a plain manifest. The split is at the last `@` whose remainder is a time, so paths holding `@` work.
 */
export function parseInventoryArg(arg: string): InventoryArg {
  const at = arg.lastIndexOf('@');
  if (at > 0) {
    const time = parseTime(arg.slice(at + 1));
    if (time !== undefined) return { path: arg.slice(0, at), time };
  }
  return { path: arg };
}

/** The snapshot times of several `--inventory` arguments, by absolute path, for buildInventory. */
export function snapshotTimes(args: readonly InventoryArg[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const a of args) if (a.time !== undefined) times.set(resolve(a.path), a.time);
  return times;
}
