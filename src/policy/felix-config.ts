/**
 * Calico FelixConfiguration (cluster-scoped): the failsafe ports and `defaultEndpointToHostAction`, the only fields
 * that decide flows here; Felix's other settings (dataplane, logging, timers) are not read. `default` applies to
 * every node, `node.<name>` to that node (api/pkg/apis/projectcalico/v3/felixconfig.go; Felix reads no other
 * name); calico-node's environment ranks above both (policy/felix-env.ts, felixSetting below).
 *
 * A failsafe entry is `{protocol, port, net}` ("Protocol and port must be specified"): protocol TCP or UDP in any
 * case (libcalico-go lower-cases it into Felix's port-list syntax, whose parser, felix/config/param_types.go,
 * takes no other; the "defaults to tcp" of the docs is that syntax's, where an entry may be a bare number);
 * port 0-65535; net a CIDR or IP, all addresses when omitted. An empty list turns that direction's failsafe
 * ports off (it becomes Felix's `none`).
 */
import { PROTO } from '../flows/record.js';
import { parseCidr } from './cidr.js';
import type { FieldMap } from './fields.js';
import type { EndpointToHostAction, FailsafePort, FelixConfig } from './model.js';
import { childPath } from './path.js';
import { readMetadata } from './resource.js';

const NODE_PREFIX = 'node.';
const FAILSAFE_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['tcp', PROTO.TCP],
  ['udp', PROTO.UDP],
]);

export function convertFelixConfig(root: FieldMap): FelixConfig | undefined {
  const metadata = readMetadata(root, 'cluster');
  // Every other FelixConfiguration field is Felix's own business: none is reported as unknown.
  const spec = root.map('spec');
  if (metadata === undefined) return undefined;
  const { name } = metadata;
  if (name !== 'default' && !(name.startsWith(NODE_PREFIX) && name.length > NODE_PREFIX.length)) {
    const message = `no Felix reads a FelixConfiguration named "${name}" (only "default" and "node.<node name>"); skipped`;
    root.check.report('felix-config-unused', message, childPath(root.pathOf('metadata'), 'name'));
    return undefined;
  }
  return {
    name,
    node: name === 'default' ? undefined : name.slice(NODE_PREFIX.length),
    failsafeInbound: spec === undefined ? undefined : failsafePorts(spec, 'failsafeInboundHostPorts'),
    failsafeOutbound: spec === undefined ? undefined : failsafePorts(spec, 'failsafeOutboundHostPorts'),
    endpointToHost: spec === undefined ? undefined : endpointToHostAction(spec),
    origin: root.check.origin(root.path),
  };
}

function failsafePorts(spec: FieldMap, key: string): FailsafePort[] | undefined {
  const entries = spec.maps(key, ['protocol', 'port', 'net']);
  if (entries === undefined) return undefined;
  const out: FailsafePort[] = [];
  for (const e of entries) {
    e.require('protocol');
    const protocolText = e.string('protocol');
    const protocol = protocolText === undefined ? undefined : FAILSAFE_PROTOCOLS.get(protocolText.toLowerCase());
    if (protocolText !== undefined && protocol === undefined) {
      e.check.report('bad-protocol', `failsafe protocol must be TCP or UDP, found "${protocolText}"`, e.pathOf('protocol'));
    }
    e.require('port');
    const port = e.integer('port', 0, 65535);
    const netText = e.string('net');
    let net: FailsafePort['net'];
    if (netText !== undefined && netText !== '') {
      const parsed = parseCidr(netText, 'set');
      if (parsed.ok) net = parsed.cidr;
      else e.check.report('bad-cidr', parsed.reason, e.pathOf('net'));
    }
    if (protocol !== undefined && port !== undefined) out.push({ protocol, port, net });
  }
  return out;
}

/** The values the API's validator takes, spelled as it spells them (libcalico-go validator.go `dropAcceptReturn`). */
const ENDPOINT_TO_HOST_ACTIONS: ReadonlySet<string> = new Set<EndpointToHostAction>(['Drop', 'Accept', 'Return']);

function endpointToHostAction(spec: FieldMap): EndpointToHostAction | undefined {
  const text = spec.string('defaultEndpointToHostAction');
  if (text === undefined || text === '') return undefined;
  if (ENDPOINT_TO_HOST_ACTIONS.has(text)) return text as EndpointToHostAction;
  spec.check.report('bad-value', `defaultEndpointToHostAction must be Drop, Accept or Return, found "${text}"`, spec.pathOf('defaultEndpointToHostAction'));
  return undefined;
}

/**
 * A Felix setting for one node (undefined: every node without a configuration of its own), as Felix ranks its
 * sources (felix/config/config_params.go): calico-node's environment (policy/felix-env.ts), then `node.<name>`,
 * then `default`; undefined when none sets it, and Felix uses its built-in value.
 */
/**
 * A value per node, made from the Felix configurations (`resolve(node)`, node undefined for the default): made
 * once for the default and once per node with a configuration of its own, and looked up by node.
 */
export function perNode<T>(configs: readonly FelixConfig[], resolve: (node: string | undefined) => T): (node: string) => T {
  const defaults = resolve(undefined);
  const byNode = new Map<string, T>();
  for (const c of configs) if (c.node !== undefined) byNode.set(c.node, resolve(c.node));
  return (node) => byNode.get(node) ?? defaults;
}

export function felixSetting<T>(configs: readonly FelixConfig[], node: string | undefined, field: (c: FelixConfig) => T | undefined): T | undefined {
  const ranked = [
    configs.find((c) => c.environment === true),
    node === undefined ? undefined : configs.find((c) => c.node === node),
    configs.find((c) => c.node === undefined && c.environment !== true),
  ];
  for (const c of ranked) {
    const value = c === undefined ? undefined : field(c);
    if (value !== undefined) return value;
  }
  return undefined;
}
