/**
 * Everything an audit needs before the first flow: policy files loaded and validated, the current and proposed
 * views, the inventory, and both views compiled. Shared by replay, explain and the daemon (and its reloads).
 */
import { createHash, type Hash } from 'node:crypto';
import { compilePolicySet, hostPathDiagnostics } from '../engine/index.js';
import { buildInventory } from '../inventory/build.js';
import type { Inventory } from '../inventory/inventory.js';
import { parseInventoryArg, snapshotTimes } from '../inventory/snapshot-arg.js';
import { diagnostic, formatDiagnostic, type Diagnostic } from '../policy/diagnostics.js';
import { endpointLabelKeys } from '../policy/label-keys.js';
import { loadResources, type LoadResult } from '../policy/load.js';
import { setContent } from '../policy/content.js';
import type { PolicySet } from '../policy/model.js';
import { checkServiceReferences, checkTierReferences, currentView, overlay, proposedView } from '../policy/views.js';
import type { AuditViews } from './audit.js';
import { ViewDifference } from './view-difference.js';

/** Where the proposed view comes from: a whole second set, a change laid over the current one, or staged kinds. */
export type Proposal =
  | { readonly kind: 'none' }
  | { readonly kind: 'set'; readonly paths: readonly string[] }
  | { readonly kind: 'change'; readonly paths: readonly string[] }
  | { readonly kind: 'staged' };

export interface AuditSources {
  readonly policies: readonly string[];
  readonly proposal: Proposal;
  /** `--inventory` arguments, `FILE` or `FILE@TIME` for snapshots. */
  readonly inventory: readonly string[];
}

export interface AuditContext {
  readonly views: AuditViews;
  readonly inventory: Inventory;
  /** Every problem found in every file, errors and warnings, in load order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: number;
  /** Short content hash of the views, stored with every result row. */
  readonly policyVersion: string;
}

/**
 * An `--inventory` file's policy resources are not read from there: one warning naming how many, where the first
 * one is (or the file, for network sets, which keep no position).
 */
function policiesInInventory(loaded: LoadResult, path: string): Diagnostic[] {
  const s = loaded.policySet;
  const located = [...s.policies, ...s.profiles.values(), ...s.felix];
  const count = located.length + s.networkSets.length;
  if (count === 0) return [];
  const where = located.find((r) => r.origin !== undefined)?.origin ?? { file: path, line: 1, column: 1 };
  const message = `${count} policy resources (policies, network sets, profiles, Felix settings) in an --inventory file take no part: give them with --policies or --change`;
  return [diagnostic('policy-in-inventory', message, { ...where, path: '' })];
}

export async function loadAuditContext(sources: AuditSources): Promise<AuditContext> {
  const inventoryArgs = sources.inventory.map(parseInventoryArg);
  const [base, second, ...snapshots] = await Promise.all([
    loadResources([...sources.policies]),
    sources.proposal.kind === 'set' || sources.proposal.kind === 'change'
      ? loadResources([...sources.proposal.paths])
      : undefined,
    // One load per --inventory argument: two snapshots of one pod are two observations, not a duplicate.
    ...inventoryArgs.map((a) => loadResources([a.path])),
  ]);
  const diagnostics = [
    ...base.diagnostics,
    ...(second?.diagnostics ?? []),
    ...snapshots.flatMap((s, i) => [...s!.diagnostics, ...policiesInInventory(s!, inventoryArgs[i]!.path)]),
  ];
  const inventory = buildInventory([...base.inventory, ...(second?.inventory ?? []), ...snapshots.flatMap((s) => s!.inventory)], {
    snapshotTimes: snapshotTimes(inventoryArgs),
    // Read from every policy loaded, staged and replaced ones too: a key too many only groups fewer pods.
    labelKeysRead: endpointLabelKeys([base.policySet, ...(second ? [second.policySet] : [])]),
  });
  diagnostics.push(...inventory.diagnostics);
  const current = currentView(base.policySet);
  const proposedSet = proposedSetFor(sources.proposal, base.policySet, second?.policySet);
  // Tier references are checked on the sets that are evaluated: a change may use tiers its base defines.
  const unknownTiers = [base.policySet, ...(second ? [sources.proposal.kind === 'change' ? overlay(base.policySet, second.policySet) : second.policySet] : [])]
    .flatMap(checkTierReferences);
  diagnostics.push(...distinct(unknownTiers));
  // Both views are checked; a problem they share is reported once.
  const evaluated = [current, ...(proposedSet === undefined ? [] : [proposedSet])];
  const hasEndpoints = (namespace: string, name: string): boolean => inventory.serviceVersions(namespace, name) !== undefined;
  diagnostics.push(...distinct(evaluated.flatMap((s) => checkServiceReferences(s, hasEndpoints))));
  diagnostics.push(...distinct(evaluated.flatMap((s) => hostPathDiagnostics(s, inventory))));
  const compiledCurrent = compilePolicySet(current, inventory);
  // A proposal that changes nothing (`--staged` with no staged policies, a change that restates the set) is the
  // current set: compiled once, and the Auditor evaluates each flow once.
  const sameSets = proposedSet !== undefined && setFingerprint(proposedSet) === setFingerprint(current);
  let views: AuditViews = { current: compiledCurrent, proposed: proposedSet === undefined ? undefined : compiledCurrent };
  if (proposedSet !== undefined && !sameSets) {
    const proposed = compilePolicySet(proposedSet, inventory);
    const difference = ViewDifference.between({ set: current, compiled: compiledCurrent }, { set: proposedSet, compiled: proposed });
    views = { current: compiledCurrent, proposed, ...(difference === undefined ? {} : { difference }) };
  }
  return {
    views,
    inventory,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    policyVersion: policyVersion(current, proposedSet),
  };
}

/** The diagnostics without repeats (the same text at the same place). */
function distinct(diagnostics: readonly Diagnostic[]): Iterable<Diagnostic> {
  return new Map(diagnostics.map((d) => [formatDiagnostic(d), d])).values();
}

function proposedSetFor(p: Proposal, base: PolicySet, second: PolicySet | undefined): PolicySet | undefined {
  switch (p.kind) {
    case 'none':
      return undefined;
    case 'staged':
      return proposedView(base);
    case 'set':
      return proposedView(second!);
    case 'change':
      return proposedView(overlay(base, second!));
  }
}

/** Hash of the views' content (selectors by canonical text, origins left out so moving a file changes nothing). */
export function policyVersion(current: PolicySet, proposed: PolicySet | undefined): string {
  const h = createHash('sha256');
  feedSet(h, current);
  h.update('\u0000proposed\u0000');
  if (proposed) feedSet(h, proposed);
  return h.digest('hex').slice(0, 12);
}

/** Hash of one set's content: equal for sets that decide every flow alike because they are the same policies. */
function setFingerprint(set: PolicySet): string {
  const h = createHash('sha256');
  feedSet(h, set);
  return h.digest('hex');
}

function feedSet(h: Hash, set: PolicySet): void {
  for (const piece of setContent(set)) h.update(piece);
}
