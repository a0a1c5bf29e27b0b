/**
 * Making peers. A peer shared by many flows (the inventory's, one per endpoint and IP or per address) carries a
 * process-unique `slot`, under which the engine remembers the peer's cache key in typed arrays: no hashing of
 * objects or IP text per flow. A peer made for one flow gets NO_SLOT and is looked at afresh each time.
 */
import type { Endpoint, Peer } from './endpoint.js';

export type EndpointPeer = Extract<Peer, { kind: 'endpoint' }>;
export type AddressPeer = Extract<Peer, { kind: 'address' }>;

/** The slot of a peer made for one flow. */
export const NO_SLOT = -1;

let lastSlot = NO_SLOT;

/** A peer shared by every flow that resolves to `endpoint` with this IP (undefined: the flow carries none). */
export function sharedEndpointPeer(endpoint: Endpoint, ip: string | undefined): EndpointPeer {
  return { kind: 'endpoint', endpoint, endpointId: endpoint.id, ip, slot: ++lastSlot };
}

/** A peer for one flow (an endpoint found by name, seen at an IP the inventory does not give it). */
export function flowEndpointPeer(endpoint: Endpoint, ip: string | undefined): EndpointPeer {
  return { kind: 'endpoint', endpoint, endpointId: endpoint.id, ip, slot: NO_SLOT };
}

/** A peer shared by every flow from or to this address, which is no endpoint. */
export function sharedAddressPeer(ip: string): AddressPeer {
  return { kind: 'address', ip, slot: ++lastSlot };
}
