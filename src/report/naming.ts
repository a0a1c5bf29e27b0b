/**
 * How a report names the sides and the service of a flow, from the columns every result store keeps (results
 * files, ClickHouse rows, outcomes in process): one set of functions, so the report modes cannot drift apart.
 */
import { protocolName } from '../flows/protocol.js';

/**
 * The name of one side: the inventory key without its kind prefix when the side resolved to an endpoint
 * (`prod/web-1`, `node-1/eth0`, `prod/web-1#0` for a synthetic pod), else `<namespace>/<name>`, else the IP,
 * else the name, else `?`.
 */
export function sideIdentity(
  endpointKey: string | undefined,
  namespace: string | undefined,
  name: string | undefined,
  ip: string | undefined,
): string {
  if (endpointKey !== undefined) return endpointKey.slice(endpointKey.indexOf(':') + 1);
  if (namespace !== undefined && name !== undefined) return `${namespace}/${name}`;
  return ip ?? name ?? '?';
}

/** The namespace a side is grouped under: an inventory pod's own (from its key), else the row's. */
export function sideNamespace(endpointKey: string | undefined, namespace: string | undefined): string | undefined {
  return endpointKey?.startsWith('pod:') ? endpointKey.slice(4, endpointKey.indexOf('/')) : namespace;
}

/** `TCP/443`, or the protocol alone without a port (`ICMP`). */
export function serviceName(proto: number, port: number | undefined): string {
  const name = protocolName(proto);
  return port === undefined ? name : `${name}/${port}`;
}
