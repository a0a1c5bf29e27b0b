/**
 * Verdicts as text: the one-line `rule` column of result rows (docs/results.md, "rule column") and the
 * multi-line explanation `flowaudit explain` prints.
 *
 * Rule column: one token per direction, egress first, joined by `; `:
 *
 *   egress=allow@(no-endpoint); ingress=deny@default/prod/knp.default.db#(end-of-tier)
 *   egress=deny@security/security.block-telnet#2; ingress=allow@(profile)/kns.backend
 *
 * `<direction>=<verdict>@<where>`, where `<where>` is one of
 *   <tier>/<policy>#<rule>          a rule decided (verdict allow or deny), or could not be decided (unknown);
 *                                   <policy> is the display name (engine/policy-name.ts), <rule> the index in
 *                                   the rule list of <direction>
 *   <tier>/<policy>#(end-of-tier)   the tier's default action (Deny) after no rule decided; <policy> is the
 *                                   tier's last policy that applied, which Calico's flow logs charge the drop to
 *   (profile)/<profile>             no tier decided; the profile allowed (pods: kns.<namespace>)
 *   (profile)/<profile>#<rule>      no tier decided; a rule of a Profile the endpoint names decided (or could
 *                                   not be decided): host endpoints, workloads of other orchestrators
 *   (host-default-deny)/<endpoint>  no tier or profile decided on a host endpoint
 *   (workload-default-deny)         no tier or profile decided on a workload that names its own profiles
 *   (failsafe)/<PROTO>:<port>       Felix failsafe port on a host endpoint
 *   (no-endpoint)                   this side is no endpoint, so no policy constrains it
 *   (unknown-endpoint)              this side may be an endpoint the inventory does not know
 *   (unknown-profile)/<profile>     a profile an endpoint names that is not loaded
 *   (unknown-failsafe)/<PROTO>      policy denied but dst_port is missing, so a failsafe port may apply
 *   (endpoint-to-host)/<action>     from a pod to its own node: the node's DefaultEndpointToHostAction (Drop,
 *                                   Accept, Return, or unset)
 *   (host-to-workload)              from a node to a pod on it: no policy applies
 * Tier names never contain `/`; names never contain `=`, `@`, `;`, `(` or blanks (Kubernetes and Calico name
 * rules), so the column parses back unambiguously (`parseRuleColumn`). The text of a verdict never changes
 * between runs: it depends only on the policies' names, tiers and rule positions.
 */
import type { Direction } from '../policy/model.js';
import { protocolName } from '../flows/protocol.js';
import type { Explanation } from './compiled-set.js';
import { PROFILE_TIER } from './profiles.js';
import type { TraceEvent } from './trace.js';
import type { Decider, DirectionVerdict, FinalVerdict, Verdict } from './verdict.js';

function formatWhere(d: Decider): string {
  switch (d.kind) {
    case 'rule':
    case 'undecidable':
      return `${d.tier}/${d.policy}#${d.rule}`;
    case 'end-of-tier':
      return `${d.tier}/${d.policy}#(end-of-tier)`;
    case 'profile':
      return `(profile)/${d.profile}`;
    case 'host-default-deny':
      return `(host-default-deny)/${d.endpoint}`;
    case 'workload-default-deny':
      return '(workload-default-deny)';
    case 'failsafe':
      return `(failsafe)/${protocolName(d.protocol)}:${d.port}`;
    case 'no-endpoint':
      return '(no-endpoint)';
    case 'unknown-endpoint':
      return '(unknown-endpoint)';
    case 'unknown-profile':
      return `(unknown-profile)/${d.profile}`;
    case 'unknown-failsafe':
      return `(unknown-failsafe)/${protocolName(d.protocol)}`;
    case 'endpoint-to-host':
      return `(endpoint-to-host)/${d.action ?? 'unset'}`;
    case 'host-to-workload':
      return '(host-to-workload)';
  }
}

export function formatDirection(d: DirectionVerdict): string {
  return `${d.direction}=${d.verdict}@${formatWhere(d.decider)}`;
}

export function formatDecision(v: Verdict): string {
  return `${formatDirection(v.egress)}; ${formatDirection(v.ingress)}`;
}

/** One direction of a parsed rule column. */
export interface RuleToken {
  readonly direction: Direction;
  readonly verdict: FinalVerdict;
  /** The `<where>` text, usable as a group key. */
  readonly where: string;
  /**
   * Set when a rule decided (or was undecidable), and for an end-of-tier deny: for grouping by policy. A Profile's
   * rule has tier `(profile)` and the profile as its policy.
   */
  readonly tier?: string;
  readonly policy?: string;
  /** Set when a rule decided (or was undecidable). */
  readonly rule?: number;
}

const TOKEN = /^(ingress|egress)=(allow|deny|unknown)@(.+)$/;
const RULE_WHERE = /^([^/()]+|\(profile\))\/(.+)#(?:(\d+)|\(end-of-tier\))$/;

/** Parses a `rule` column back into its two directions; undefined when the text is not of this format. */
export function parseRuleColumn(text: string): readonly RuleToken[] | undefined {
  const tokens: RuleToken[] = [];
  for (const part of text.split('; ')) {
    const m = TOKEN.exec(part);
    if (!m) return undefined;
    const [, direction, verdict, where] = m as unknown as [string, Direction, FinalVerdict, string];
    const r = RULE_WHERE.exec(where);
    if (!r) tokens.push({ direction, verdict, where });
    else if (r[3] === undefined) tokens.push({ direction, verdict, where, tier: r[1]!, policy: r[2]! });
    else tokens.push({ direction, verdict, where, tier: r[1]!, policy: r[2]!, rule: Number(r[3]) });
  }
  return tokens;
}

/**
 * The explanation `flowaudit explain` prints: per direction, the endpoint, failsafe check, each tier with the
 * policies that apply, the Log and Pass hits, the deciding rule or the default that applied, then the result.
 *
 *   verdict: deny
 *   egress at pod:prod/web-1: allow
 *     tier default: prod/knp.default.allow-egress
 *       prod/knp.default.allow-egress egress[0] Allow
 *     => allow by default/prod/knp.default.allow-egress#0
 *   ingress at pod:prod/db-0: deny
 *     tier security: security.audit, security.block
 *       security.audit ingress[0] Log
 *       security.block ingress[1] Deny
 *     => deny by security/security.block#1
 */
export function formatExplanation(e: Explanation): string {
  const v = e.verdict;
  const lines = [`verdict: ${v.verdict}`];
  for (const dv of [v.egress, v.ingress]) {
    const events = e.trace.filter((t) => t.direction === dv.direction);
    const side = events.find((t) => t.kind === 'side');
    lines.push(`${dv.direction} at ${side?.kind === 'side' ? side.at : '?'}: ${dv.verdict}`);
    for (const t of events) {
      const line = eventLine(t);
      if (line !== undefined) lines.push(line);
    }
    lines.push(`  => ${conclusion(dv)}`);
  }
  if (v.reason !== undefined) lines.push(`reason: ${v.reason}`);
  return lines.join('\n');
}

const STAGE_TEXT = { untracked: 'untracked (doNotTrack)', preDNAT: 'pre-DNAT', normal: 'normal' } as const;

const FAILSAFE_RESULT = { yes: 'match', no: 'no match', unknown: 'unknown (no dst_port)' } as const;

function eventLine(t: TraceEvent): string | undefined {
  switch (t.kind) {
    case 'side':
      return undefined;
    case 'failsafe':
      return `  failsafe ports: ${FAILSAFE_RESULT[t.result]}`;
    case 'stage':
      return `  ${STAGE_TEXT[t.stage]} policy:`;
    case 'tier':
      return `  tier ${t.tier}: ${t.policies.join(', ')}`;
    case 'rule': {
      const undecidable = t.match === 'unknown' ? ` (undecidable: ${t.reason})` : '';
      const owner = t.tier === PROFILE_TIER ? `profile ${t.policy}` : t.policy;
      return `    ${owner} ${t.direction}[${t.rule}] ${t.action}${undecidable}`;
    }
    case 'tier-default':
      return `    end of tier ${t.tier}: default action ${t.action}`;
    case 'profiles':
      return `  profiles: ${t.profiles.length === 0 ? '(none)' : t.profiles.join(', ')}`;
    case 'local-host':
      return t.path === 'workload-to-host'
        ? `  from a pod to its own node ${t.node}: Felix's DefaultEndpointToHostAction decides, no host endpoint policy`
        : `  from node ${t.node} to a pod on it: Felix applies no policy`;
  }
}

function conclusion(dv: DirectionVerdict): string {
  const d = dv.decider;
  const where = formatWhere(d);
  switch (d.kind) {
    case 'rule':
      return `${dv.verdict} by ${where}`;
    case 'end-of-tier':
      return `deny by ${where}: end of tier ${d.tier} (default action Deny), charged to its last policy ${d.policy}`;
    case 'profile':
      return `allow by profile ${d.profile}`;
    case 'host-default-deny':
      return `deny: host endpoint ${d.endpoint} is default deny (no policy or profile allowed)`;
    case 'workload-default-deny':
      return 'deny: no policy or profile of the workload allowed';
    case 'failsafe':
      return `allow: Felix failsafe port ${protocolName(d.protocol)}:${d.port}`;
    case 'no-endpoint':
      return 'allow: no endpoint on this side, no policy applies';
    case 'undecidable':
      return `unknown at ${where}: ${d.reason}`;
    case 'unknown-endpoint':
    case 'unknown-profile':
    case 'unknown-failsafe':
      return `unknown: ${d.reason}`;
    case 'endpoint-to-host':
      return 'reason' in d ? `unknown: ${d.reason}` : `${dv.verdict}: from a pod to its own node, DefaultEndpointToHostAction ${d.action}`;
    case 'host-to-workload':
      return 'allow: from a node to a pod on it, which Felix does not police';
  }
}
