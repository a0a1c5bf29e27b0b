import type { Observation } from './observe.js';

/**
 * Endpoint versions over time. Observations of one object (same identity) are ordered by snapshot time; a run of
 * equal content is one version. Windows:
 * - the first version starts at `creationTimestamp`, else at the first snapshot that saw it, else at -∞;
 * - a later version starts at the first snapshot that saw its content (the change happened since the previous
 *   snapshot; the newer content is assumed from the first time it was seen);
 * - the last version ends at `deletionTimestamp`, else at the first later snapshot that no longer holds it (each
 *   timed file is taken as the full state of the endpoint kinds it holds), else at +∞.
 */
export interface EndpointVersion {
  readonly observation: Observation;
  readonly start: number;
  readonly end: number;
}

export function endpointVersions(observations: readonly Observation[], snapshotTimes: readonly number[]): EndpointVersion[] {
  const groups = new Map<string, Observation[]>();
  for (const o of observations) {
    const g = groups.get(o.identity);
    if (g === undefined) groups.set(o.identity, [o]);
    else g.push(o);
  }
  const out: EndpointVersion[] = [];
  for (const group of groups.values()) out.push(...versionsOf(group, snapshotTimes));
  return out;
}

interface Run {
  readonly first: Observation;
  last: Observation;
}

function versionsOf(group: Observation[], snapshotTimes: readonly number[]): EndpointVersion[] {
  // Untimed observations (plain manifests) first; the sort is stable, so file order breaks ties.
  group.sort((a, b) => (a.observedAt ?? -Infinity) - (b.observedAt ?? -Infinity));
  const runs: Run[] = [];
  let fingerprint = '';
  for (const o of group) {
    // Most objects are seen once (a plain manifest, a single snapshot): nothing to compare them with.
    const f = group.length === 1 ? '' : JSON.stringify(o.content);
    const run = runs[runs.length - 1];
    if (run !== undefined && f === fingerprint) run.last = o;
    else runs.push({ first: o, last: o });
    fingerprint = f;
  }
  const starts = runs.map((run, i) =>
    i === 0 ? (run.first.created ?? run.first.observedAt ?? -Infinity) : (run.first.observedAt ?? -Infinity),
  );
  return runs.map((run, i) => {
    const end =
      i + 1 < runs.length
        ? (starts[i + 1] as number)
        : (run.last.deleted ?? nextSnapshot(snapshotTimes, run.last.observedAt) ?? Infinity);
    return { observation: run.last, start: starts[i] as number, end };
  });
}

/** The first snapshot time after `time` (times sorted ascending). */
function nextSnapshot(times: readonly number[], time: number | undefined): number | undefined {
  if (time === undefined) return undefined;
  return times.find((t) => t > time);
}
