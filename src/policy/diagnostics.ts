/**
 * The one catalogue of problems found while loading policy resources (documented in docs/errors.md; a test keeps
 * the two in step). Each code has a fixed severity, so a code alone says whether the resource was dropped:
 * a resource with any `error` is left out of the policy set, `warning`s never drop anything.
 */

export type Severity = 'error' | 'warning';

export const DIAGNOSTIC_CATALOGUE = {
  'file-unreadable': { severity: 'error', summary: 'A path could not be read (missing, not a file or folder, no permission).' },
  'yaml-syntax': { severity: 'error', summary: 'The YAML or JSON text does not parse; the document is skipped.' },
  'yaml-warning': { severity: 'warning', summary: 'The YAML parser warned (e.g. an unknown tag); the value is read as plain data.' },
  'not-a-resource': { severity: 'error', summary: 'A document or List item is not a mapping with `apiVersion` and `kind`.' },
  'missing-field': { severity: 'error', summary: 'A required field is absent (e.g. `metadata.name`, a rule `action`).' },
  'wrong-type': { severity: 'error', summary: 'A field holds the wrong type (e.g. a list where a mapping belongs).' },
  'bad-value': { severity: 'error', summary: 'A field has a value its kind does not allow (enum, range, name syntax).' },
  'bad-action': { severity: 'error', summary: 'A rule action that the kind does not know (Calico: Allow, Deny, Log, Pass).' },
  'bad-selector': { severity: 'error', summary: 'A selector does not parse; the column points inside the selector.' },
  'bad-cidr': { severity: 'error', summary: 'A CIDR or IP that does not parse, is not a network address where one is required, or negates everything.' },
  'bad-port': { severity: 'error', summary: 'A port, port range or named port that does not parse or is out of range (1-65535).' },
  'bad-protocol': { severity: 'error', summary: 'A protocol that is neither a known name (exact case) nor a number 1-255.' },
  'ports-without-protocol': { severity: 'error', summary: 'Numeric `ports`/`notPorts` without a protocol that carries ports (TCP, UDP, SCTP), or any ports with one that does not.' },
  'icmp-without-protocol': { severity: 'error', summary: '`icmp` without protocol ICMP or ICMPv6.' },
  'ip-version-mismatch': { severity: 'error', summary: 'A rule mixes IPv4 and IPv6 (CIDRs, `ipVersion`, ICMP vs ICMPv6).' },
  'conflicting-fields': { severity: 'error', summary: 'Fields that cannot be used together (e.g. `services` with `selector`, `preDNAT` with egress).' },
  'duplicate-resource': { severity: 'error', summary: 'The same kind, namespace and name was loaded twice; the later one is dropped.' },
  'unknown-kind': { severity: 'warning', summary: 'A kind flowaudit does not use; such documents are skipped (one warning per file and kind).' },
  'unknown-field': { severity: 'warning', summary: 'A field the kind does not have (often a typo); it is ignored.' },
  'namespace-defaulted': { severity: 'warning', summary: 'A namespaced resource without `metadata.namespace`; `default` is used, as kubectl would.' },
  'namespace-ignored': { severity: 'warning', summary: 'A cluster-scoped resource with `metadata.namespace`; it is ignored.' },
  'rules-ignored': { severity: 'warning', summary: 'Rules for a direction the policy does not apply to (its types leave it out).' },
  'rule-not-converted': { severity: 'warning', summary: 'An admin/cluster network policy rule Calico cannot convert: dropped if it allowed, replaced by deny-all otherwise (fail closed).' },
  'undecidable-rule': { severity: 'warning', summary: 'A rule that flow logs cannot decide (HTTP match, domain names): flows reaching it get verdict `unknown`.' },
  'port-name-looks-numeric': { severity: 'warning', summary: 'A named port that looks like a number range (`80-90`): Calico reads it as a name; ranges use `:`.' },
  'staged-action-ignored': { severity: 'warning', summary: 'A staged policy with `stagedAction` Learn or Ignore; it takes no part in the proposed view.' },
  'felix-config-unused': { severity: 'warning', summary: 'A FelixConfiguration named neither `default` nor `node.<node name>`: no Felix reads it, so it is skipped.' },
  'policy-in-inventory': { severity: 'warning', summary: 'Policies, network sets, profiles or Felix settings in an `--inventory` file: they take no part; give them with `--policies` or `--change`.' },
  'felix-env-unused': { severity: 'warning', summary: 'A DaemonSet without a `calico-node` container, or a second calico-node DaemonSet (the first one loaded is used): skipped.' },
  'felix-env-unread': { severity: 'warning', summary: 'A calico-node FELIX_* setting flowaudit reads takes its value from `valueFrom`: it is left unset (FelixConfiguration or Felix\'s default applies).' },
  'unknown-tier': { severity: 'warning', summary: 'A policy names a tier no loaded Tier defines; it is treated as order last, default action Deny.' },
  'host-path-not-evaluated': { severity: 'warning', summary: 'A preDNAT, doNotTrack or applyOnForward policy selects host endpoints: it is evaluated for traffic to and from those hosts, not for the traffic they forward (NodePorts, their pods), whose verdicts leave it out.' },
  'service-without-endpoints': { severity: 'warning', summary: 'A rule matches a Service of which the inventory holds no EndpointSlice: flows reaching it get verdict `unknown`.' },
} as const satisfies Record<string, { readonly severity: Severity; readonly summary: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CATALOGUE;

export interface Diagnostic {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters of the line. */
  readonly column: number;
  /** Field path inside the document, e.g. `spec.ingress[2].destination.ports[0]` (`items[3].` first in a List). */
  readonly path: string;
}

export function diagnostic(
  code: DiagnosticCode,
  message: string,
  where: { readonly file: string; readonly line: number; readonly column: number; readonly path: string },
): Diagnostic {
  return { severity: DIAGNOSTIC_CATALOGUE[code].severity, code, message, ...where };
}

/** Orders diagnostics by file name (bytewise), then position; stable, so one field's problems keep their order. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** `file:line:column: severity code: message (at path)`, the form the CLI prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const at = d.path === '' ? '' : ` (at ${d.path})`;
  return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}${at}`;
}
