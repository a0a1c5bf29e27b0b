/**
 * Calico v3 rules (api `policy_common.go` Rule/EntityRule) → model `Rule`, with the checks Calico's validator
 * and CRD rules apply (libcalico-go `validator/v3/validator.go`: validateRule, validateEntityRule, validatePort,
 * validateProtocol; the CEL rules on Rule and EntityRule), and rule-side selectors scoped to namespaces the way
 * libcalico-go `updateprocessors/rules.go` (getEndpointSelector) does.
 */
import type { Selector } from '../selector/types.js';
import { isCatchAll, parseCidr } from './cidr.js';
import { compact, FieldMap, type ResourceCheck } from './fields.js';
import type { Cidr, Direction, EntityMatch, IcmpMatch, NamespaceScope, PortMatch, Rule, RuleAction } from './model.js';
import { looksLikeDashRange, parseCalicoPort } from './ports.js';
import { isIcmpProtocol, parseCalicoProtocol, protocolCarriesPorts } from './protocol.js';
import { readSelector } from './selectors.js';
import { PROTO } from '../flows/record.js';

export interface RuleContext {
  /** The policy's namespace for (Staged)NetworkPolicy; undefined for global policies. */
  readonly namespace: string | undefined;
  readonly direction: Direction;
}

const RULE_FIELDS = ['action', 'ipVersion', 'protocol', 'icmp', 'notProtocol', 'notICMP', 'source', 'destination', 'http', 'metadata'];
const ENTITY_FIELDS = ['nets', 'notNets', 'selector', 'notSelector', 'namespaceSelector', 'ports', 'notPorts', 'serviceAccounts', 'services'];
const ACTIONS: readonly RuleAction[] = ['Allow', 'Deny', 'Log', 'Pass'];

export const HTTP_UNDECIDABLE = 'HTTP match (layer 7) cannot be decided from flow logs';

/** The rule at `item` (index `index` of its direction), or undefined if it had errors (all reported). */
export function convertCalicoRule(check: ResourceCheck, item: { value: unknown; path: string }, index: number, ctx: RuleContext): Rule | undefined {
  const m = FieldMap.of(check, item.value, item.path, RULE_FIELDS);
  if (m === undefined) return undefined;
  const action = readAction(m);
  const protocol = readProtocol(m, 'protocol');
  const notProtocol = readProtocol(m, 'notProtocol');
  const ipVersion = readIpVersion(m);
  const icmp = readIcmp(m, 'icmp');
  const notICMP = readIcmp(m, 'notICMP');
  const sourceMap = m.map('source', ENTITY_FIELDS);
  const destinationMap = m.map('destination', ENTITY_FIELDS);
  const source = sourceMap === undefined ? {} : readEntity(sourceMap, ctx);
  const destination = destinationMap === undefined ? {} : readEntity(destinationMap, ctx);

  checkPortsNeedProtocol(m, protocol, sourceMap, destinationMap);
  checkIcmp(m, protocol, notProtocol, ipVersion);
  checkNetFamilies(m, ipVersion, [
    [sourceMap, 'nets', source.nets],
    [sourceMap, 'notNets', source.notNets],
    [destinationMap, 'nets', destination.nets],
    [destinationMap, 'notNets', destination.notNets],
  ]);
  checkServicePlacement(ctx, sourceMap, destinationMap);
  const http = m.has('http') ? readHttp(m, action, protocol, ctx) : false;

  if (action === undefined) return undefined;
  return compact<Rule>({
    index,
    action,
    protocol,
    notProtocol,
    icmp,
    notICMP,
    ipVersion,
    source,
    destination,
    undecidable: http ? HTTP_UNDECIDABLE : undefined,
    origin: m.check.origin(m.path),
  });
}

function readAction(m: FieldMap): RuleAction | undefined {
  if (!m.require('action')) return undefined;
  const text = m.string('action');
  if (text === undefined) return undefined;
  const action = ACTIONS.find((a) => a === text);
  if (action === undefined) {
    const near = ACTIONS.find((a) => a.toLowerCase() === text.toLowerCase());
    m.check.report('bad-action', `unknown action "${text}"; expected ${near === undefined ? ACTIONS.join(', ') : `"${near}" (case-sensitive)`}`, m.pathOf('action'));
  }
  return action;
}

function readProtocol(m: FieldMap, key: 'protocol' | 'notProtocol'): number | undefined {
  const raw = m.raw(key);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    m.check.report('wrong-type', `"${key}" must be a name or a number`, m.pathOf(key));
    return undefined;
  }
  const parsed = parseCalicoProtocol(raw);
  if (!parsed.ok) {
    m.check.report('bad-protocol', parsed.reason, m.pathOf(key));
    return undefined;
  }
  return parsed.protocol;
}

function readIpVersion(m: FieldMap): 4 | 6 | undefined {
  const v = m.number('ipVersion');
  if (v === undefined) return undefined;
  if (v === 4 || v === 6) return v;
  m.check.report('bad-value', `ipVersion must be 4 or 6, found ${v}`, m.pathOf('ipVersion'));
  return undefined;
}

function readIcmp(m: FieldMap, key: 'icmp' | 'notICMP'): IcmpMatch | undefined {
  const f = m.map(key, ['type', 'code']);
  if (f === undefined) return undefined;
  const type = f.integer('type', 0, 254);
  const code = f.integer('code', 0, 255);
  if (f.has('code') && !f.has('type')) {
    f.check.report('missing-field', 'an ICMP code needs an ICMP type', f.pathOf('type'));
  }
  return compact<IcmpMatch>({ type, code });
}

function readEntity(m: FieldMap, ctx: RuleContext): EntityMatch {
  const nets = readNets(m, 'nets');
  const notNets = readNets(m, 'notNets');
  for (const [i, cidr] of (notNets ?? []).entries()) {
    if (isCatchAll(cidr)) m.check.report('bad-cidr', `notNets ${cidr.text} matches every address, so the rule could never match`, `${m.pathOf('notNets')}[${i}]`);
  }
  const selector = readSelector(m, 'selector', 'forbidden');
  const notSelector = readSelector(m, 'notSelector', 'forbidden');
  const namespaceSelector = readSelector(m, 'namespaceSelector', 'alone');
  const serviceAccounts = readServiceAccounts(m);
  const services = readServices(m, ctx);
  const scoped = selector !== undefined || notSelector !== undefined || serviceAccounts !== undefined || namespaceSelector !== undefined;
  return compact<EntityMatch>({
    nets,
    notNets,
    selector,
    notSelector,
    namespaceScope: scoped ? namespaceScope(namespaceSelector, ctx) : undefined,
    ports: readPorts(m, 'ports'),
    notPorts: readPorts(m, 'notPorts'),
    serviceAccounts,
    services,
  });
}

/**
 * rules.go getEndpointSelector: a namespaceSelector picks namespaces (`global()`: only non-namespaced peers);
 * without one, a namespaced policy's rule stays in its own namespace and a global policy's rule is unconfined.
 */
function namespaceScope(namespaceSelector: Selector | undefined, ctx: RuleContext): NamespaceScope {
  if (namespaceSelector !== undefined) {
    return namespaceSelector.isGlobal ? { kind: 'global' } : { kind: 'selector', selector: namespaceSelector };
  }
  return ctx.namespace === undefined ? { kind: 'any' } : { kind: 'namespace', name: ctx.namespace };
}

function readNets(m: FieldMap, key: 'nets' | 'notNets'): Cidr[] | undefined {
  const items = m.strings(key);
  if (items === undefined) return undefined;
  const out: Cidr[] = [];
  for (const item of items) {
    const parsed = parseCidr(item.value, 'rule');
    if (parsed.ok) out.push(parsed.cidr);
    else m.check.report('bad-cidr', parsed.reason, item.path);
  }
  return out;
}

function readPorts(m: FieldMap, key: 'ports' | 'notPorts'): PortMatch[] | undefined {
  const items = m.list(key);
  if (items === undefined) return undefined;
  const out: PortMatch[] = [];
  for (const item of items) {
    const parsed = parseCalicoPort(item.value);
    if (!parsed.ok) {
      m.check.report('bad-port', parsed.reason, item.path);
      continue;
    }
    if (looksLikeDashRange(parsed.port)) {
      m.check.report('port-name-looks-numeric', `"${String(item.value)}" is read as a port name; write a range as "min:max"`, item.path);
    }
    out.push(parsed.port);
  }
  return out;
}

function readServiceAccounts(m: FieldMap): EntityMatch['serviceAccounts'] {
  const f = m.map('serviceAccounts', ['names', 'selector']);
  if (f === undefined) return undefined;
  const names = f.strings('names')?.map((n) => n.value);
  const selector = readSelector(f, 'selector', 'forbidden');
  // An empty match adds no constraint upstream (parseServiceAccounts returns ""), so it is no match at all.
  if ((names === undefined || names.length === 0) && selector === undefined) return undefined;
  return compact({ names: names !== undefined && names.length > 0 ? names : undefined, selector });
}

function readServices(m: FieldMap, ctx: RuleContext): EntityMatch['services'] {
  const f = m.map('services', ['name', 'namespace']);
  if (f === undefined) return undefined;
  const name = f.string('name');
  if (name === undefined || name === '') f.check.report('missing-field', 'services must name a service', f.pathOf('name'));
  let namespace = f.string('namespace');
  if (namespace === undefined || namespace === '') {
    if (ctx.namespace === undefined) f.check.report('missing-field', 'services in a global policy must give a namespace', f.pathOf('namespace'));
    namespace = ctx.namespace;
  }
  for (const other of ['selector', 'notSelector', 'namespaceSelector', 'nets', 'notNets', 'serviceAccounts']) {
    // The CRD rules compare sizes: an empty selector or list does not conflict.
    const value = m.raw(other);
    const set = value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);
    if (set) m.check.report('conflicting-fields', `services cannot be combined with ${other}`, m.pathOf(other));
  }
  if (name === undefined || name === '' || namespace === undefined) return undefined;
  return { name, namespace };
}

/**
 * validateRule: numeric ports need protocol TCP, UDP or SCTP (named ports may go without a protocol); a protocol
 * without ports (ICMP, UDPLite, numbers other than 6/17/132) allows no ports at all. CEL: services on a
 * destination forbid ports.
 */
function checkPortsNeedProtocol(rule: FieldMap, protocol: number | undefined, source: FieldMap | undefined, destination: FieldMap | undefined): void {
  // An unparseable protocol is reported already; checking ports against it would only repeat that.
  if (protocol === undefined && rule.has('protocol')) return;
  for (const side of [source, destination]) {
    if (side === undefined) continue;
    for (const key of ['ports', 'notPorts']) {
      const items = side.raw(key);
      if (!Array.isArray(items) || items.length === 0) continue;
      const path = side.pathOf(key);
      if (protocol === undefined) {
        const numeric = items.some((p) => typeof p === 'number' || (typeof p === 'string' && /^\d+(:\d+)?$/.test(p)));
        if (numeric) rule.check.report('ports-without-protocol', `numeric ${key} need "protocol" TCP, UDP or SCTP`, path);
      } else if (!protocolCarriesPorts(protocol)) {
        rule.check.report('ports-without-protocol', `${key} need protocol TCP, UDP or SCTP, not ${String(rule.raw('protocol'))}`, path);
      }
      if (side === destination && side.has('services')) {
        rule.check.report('conflicting-fields', `${key} cannot be combined with services on the destination`, path);
      }
    }
  }
}

/** CEL rules on Rule: `icmp` needs protocol ICMP/ICMPv6; ICMP needs ipVersion 4, ICMPv6 needs 6. */
function checkIcmp(m: FieldMap, protocol: number | undefined, notProtocol: number | undefined, ipVersion: 4 | 6 | undefined): void {
  const protocolUnreadable = protocol === undefined && m.has('protocol');
  if (m.has('icmp') && !protocolUnreadable && (protocol === undefined || !isIcmpProtocol(protocol))) {
    m.check.report('icmp-without-protocol', 'icmp needs "protocol" ICMP or ICMPv6', m.pathOf('icmp'));
  }
  for (const [key, p] of [['protocol', protocol], ['notProtocol', notProtocol]] as const) {
    if ((p === PROTO.ICMP && ipVersion === 6) || (p === PROTO.ICMPv6 && ipVersion === 4)) {
      m.check.report('ip-version-mismatch', `${key} ${p === PROTO.ICMP ? 'ICMP needs ipVersion 4' : 'ICMPv6 needs ipVersion 6'}`, m.pathOf(key));
    }
  }
}

/** validateRule scanNets: CIDRs must agree with ipVersion and with each other across all four fields. */
function checkNetFamilies(m: FieldMap, ipVersion: 4 | 6 | undefined, fields: [FieldMap | undefined, string, readonly Cidr[] | undefined][]): void {
  const seen = new Set<number>();
  for (const [side, key, cidrs] of fields) {
    if (side === undefined || cidrs === undefined || cidrs.length === 0) continue;
    const families = new Set(cidrs.map((c) => c.family));
    const path = side.pathOf(key);
    if (ipVersion !== undefined && [...families].some((f) => f !== ipVersion)) {
      m.check.report('ip-version-mismatch', `${key} has CIDRs that are not IPv${ipVersion} (ipVersion ${ipVersion})`, path);
    }
    if (families.size > 1 || [...families].some((f) => seen.size > 0 && !seen.has(f))) {
      m.check.report('ip-version-mismatch', 'the rule mixes IPv4 and IPv6 CIDRs', path);
    }
    for (const f of families) seen.add(f);
  }
}

/** validate(Global)NetworkPolicySpec: services only as an egress destination or an ingress source. */
function checkServicePlacement(ctx: RuleContext, source: FieldMap | undefined, destination: FieldMap | undefined): void {
  const wrong = ctx.direction === 'egress' ? source : destination;
  if (wrong?.has('services')) {
    const side = ctx.direction === 'egress' ? 'an egress rule source' : 'an ingress rule destination';
    wrong.check.report('conflicting-fields', `services are not allowed in ${side}`, wrong.pathOf('services'));
  }
}

/**
 * `http` (methods, paths) matches layer 7, which flow logs do not carry: the rule is kept but undecidable.
 * Calico allows it on Allow rules only, with protocol TCP or none, and not on egress rules.
 */
function readHttp(m: FieldMap, action: RuleAction | undefined, protocol: number | undefined, ctx: RuleContext): boolean {
  const http = m.map('http', ['methods', 'paths']);
  if (http === undefined) return false;
  http.strings('methods');
  for (const p of http.maps('paths', ['exact', 'prefix']) ?? []) {
    const set = ['exact', 'prefix'].filter((k) => p.has(k));
    if (set.length !== 1) p.check.report(set.length === 0 ? 'missing-field' : 'conflicting-fields', 'an HTTP path needs exactly one of exact or prefix', p.path);
    for (const k of set) {
      const v = p.string(k);
      if (v !== undefined && !v.startsWith('/')) p.check.report('bad-value', `HTTP path "${v}" must start with "/"`, p.pathOf(k));
    }
  }
  if (action !== undefined && action !== 'Allow') m.check.report('conflicting-fields', 'an HTTP match is only allowed on Allow rules', m.pathOf('http'));
  if (protocol !== undefined && protocol !== PROTO.TCP) m.check.report('conflicting-fields', 'an HTTP match needs protocol TCP or none', m.pathOf('http'));
  if (ctx.direction === 'egress') m.check.report('conflicting-fields', 'HTTP matches are not allowed in egress rules', m.pathOf('http'));
  m.check.report('undecidable-rule', `${HTTP_UNDECIDABLE}; flows reaching this rule get verdict unknown`, m.pathOf('http'));
  return true;
}
