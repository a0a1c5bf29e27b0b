/**
 * The calico-node DaemonSet's `FELIX_*` environment variables: Felix reads its settings from them over every
 * FelixConfiguration (felix/config/config_params.go: EnvironmentVariable > ConfigFile > DatastorePerHost >
 * DatastoreGlobal), and both the Tigera operator and the calico.yaml manifest set some there, notably
 * `FELIX_DEFAULTENDPOINTTOHOSTACTION=ACCEPT`. Only the settings that decide flows here are read (the failsafe
 * ports and defaultEndpointToHostAction), as Felix parses them:
 * - the name after `FELIX_` in any case (felix/config/env_var_loader.go lower-cases it);
 * - an empty value is ignored (as if unset), `none` in any case turns a port list off;
 * - defaultEndpointToHostAction: DROP, RETURN or ACCEPT in any case (a `oneof`; `none` is refused: non-zero);
 * - port lists (param_types.go PortListParam): comma-separated `<port>`, `<protocol>:<port>` or
 *   `<protocol>:<net>:<port>` (an IPv6 net in brackets), protocol tcp or udp in any case, tcp when omitted.
 * A value Felix refuses would stop calico-node (these settings are die-on-fail): it is an error here.
 * A value from `valueFrom` (a ConfigMap, a Secret) is not in the manifest: a warning says it was not read.
 */
import { PROTO } from '../flows/record.js';
import { parseCidr } from './cidr.js';
import type { FieldMap } from './fields.js';
import type { EndpointToHostAction, FailsafePort, FelixConfig } from './model.js';
import { readMetadata } from './resource.js';

const CONTAINER = 'calico-node';
const PREFIX = 'felix_';

type Setting = 'failsafeinboundhostports' | 'failsafeoutboundhostports' | 'defaultendpointtohostaction';
const SETTINGS: ReadonlySet<string> = new Set<Setting>(['failsafeinboundhostports', 'failsafeoutboundhostports', 'defaultendpointtohostaction']);

const ACTIONS: ReadonlyMap<string, EndpointToHostAction> = new Map([
  ['drop', 'Drop'],
  ['accept', 'Accept'],
  ['return', 'Return'],
]);

/** The environment of the DaemonSet's `calico-node` container as a FelixConfig; undefined when it has none. */
export function convertCalicoNodeDaemonSet(root: FieldMap): FelixConfig | undefined {
  const metadata = readMetadata(root, 'namespaced');
  if (metadata === undefined) return undefined;
  const podSpec = root.map('spec')?.map('template')?.map('spec');
  const container = podSpec?.maps('containers')?.find((c) => c.raw('name') === CONTAINER);
  if (container === undefined) {
    const where = podSpec?.has('containers') === true ? podSpec.pathOf('containers') : root.path;
    root.check.report('felix-env-unused', `no container named "${CONTAINER}": only calico-node's FELIX_* environment is read; skipped`, where);
    return undefined;
  }
  const values = new Map<Setting, { text: string; path: string }>();
  for (const entry of container.maps('env') ?? []) {
    const name = entry.string('name');
    const param = name?.toLowerCase().startsWith(PREFIX) === true ? name.slice(PREFIX.length).toLowerCase() : undefined;
    if (param === undefined || !SETTINGS.has(param)) continue;
    const value = entry.string('value');
    if (value === undefined && entry.has('valueFrom')) {
      const message = `${name} takes its value from valueFrom, which flowaudit cannot read: it is left unset here (FelixConfiguration or Felix's default applies)`;
      entry.check.report('felix-env-unread', message, entry.pathOf('valueFrom'));
    }
    // Kubernetes keeps the last of repeated names (an earlier value included); Felix ignores empty values.
    if (value === undefined || value === '') values.delete(param as Setting);
    else values.set(param as Setting, { text: value, path: entry.pathOf('value') });
  }
  const inbound = values.get('failsafeinboundhostports');
  const outbound = values.get('failsafeoutboundhostports');
  const action = values.get('defaultendpointtohostaction');
  return {
    name: `${metadata.namespace}/${metadata.name}`,
    node: undefined,
    environment: true,
    failsafeInbound: inbound === undefined ? undefined : portList(root, inbound),
    failsafeOutbound: outbound === undefined ? undefined : portList(root, outbound),
    endpointToHost: action === undefined ? undefined : endpointToHost(root, action),
    origin: root.check.origin(root.path),
  };
}

function endpointToHost(root: FieldMap, value: { text: string; path: string }): EndpointToHostAction | undefined {
  const action = ACTIONS.get(value.text.toLowerCase());
  if (action === undefined) {
    root.check.report('bad-value', `FELIX_DEFAULTENDPOINTTOHOSTACTION must be DROP, RETURN or ACCEPT, found "${value.text}"`, value.path);
  }
  return action;
}

const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['tcp', PROTO.TCP],
  ['udp', PROTO.UDP],
]);

/** Felix's port-list syntax; undefined after reporting, at its column, the first entry it refuses. */
function portList(root: FieldMap, value: { text: string; path: string }): FailsafePort[] | undefined {
  if (value.text.toLowerCase() === 'none') return [];
  const out: FailsafePort[] = [];
  let offset = 0;
  for (const raw of value.text.split(',')) {
    const entry = raw.trim();
    const at = offset + raw.indexOf(entry);
    offset += raw.length + 1;
    if (entry === '') continue;
    const port = portEntry(entry);
    if (typeof port === 'string') {
      const message = `failsafe port "${entry}": ${port} (Felix reads (tcp|udp):<net>:<port>, (tcp|udp):<port> or <port>)`;
      root.check.reportInString('bad-value', message, value.path, at);
      return undefined;
    }
    out.push(port);
  }
  return out;
}

/** One entry of a port list, or why Felix refuses it. */
function portEntry(entry: string): FailsafePort | string {
  let rest = entry;
  let netText = '';
  const open = rest.indexOf('[');
  const close = rest.indexOf(']:');
  if (open >= 0 && close > open) {
    netText = rest.slice(open + 1, close);
    rest = rest.slice(0, open) + rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (parts.length > 3) return 'too many parts';
  let protocolText = 'tcp';
  let portText = parts[0]!;
  if (parts.length === 3) [protocolText, netText, portText] = [parts[0]!.toLowerCase(), parts[1]!, parts[2]!];
  else if (parts.length === 2) [protocolText, portText] = [parts[0]!.toLowerCase(), parts[1]!];
  const protocol = PROTOCOLS.get(protocolText);
  if (protocol === undefined) return `unknown protocol "${protocolText}"`;
  // Go's strconv.Atoi: an optional sign, then decimal digits.
  if (!/^[+-]?\d+$/.test(portText)) return 'ports must be integers';
  const port = Number(portText);
  if (port < 0 || port > 65535) return 'ports must be in range 0-65535';
  if (netText === '') return { protocol, port, net: undefined };
  const net = parseCidr(netText, 'set');
  return net.ok ? { protocol, port, net: net.cidr } : `invalid CIDR or IP "${netText}"`;
}
