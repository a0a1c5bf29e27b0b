/**
 * What the evaluator keeps of endpoints: by endpoint id, the class (engine/subject.ts) and the address key of its
 * own IPs; by peer object, the peer's side number (engine/side-keys.ts). The inventory shares one peer per (IP,
 * endpoint), so the warm path finds a side's number with one WeakMap lookup on the peer, an object it reads
 * anyway, and one load from a small typed array; it never touches the endpoint object or the IP string, which
 * are rarely in cache (and whose property loads are slow when the inventory's endpoints do not share one hidden
 * class).
 */
import type { ClusterView, Endpoint, Peer } from '../inventory/endpoint.js';
import { type AddressSpace, NO_ADDRESS } from './address-space.js';
import { ADDRESS_SIDE, UNRESOLVED_SIDE } from './context.js';
import type { SideKeys } from './side-keys.js';
import { EndpointClass } from './subject.js';

/** Peers remembered before the memory starts over: peers made per flow (not shared) must not pile up. */
const MAX_PEERS = 1 << 20;

/** `classOf` for hostNetwork pods, which are no workload endpoints (they are the node's address). */
export const HOST_NETWORK = -1;
/** `classOf` for an id not seen yet. */
const UNSEEN = -2;

export class EndpointIndex {
  /** By class id. */
  readonly classes: EndpointClass[] = [];
  private readonly classByKey = new Map<string, EndpointClass>();
  /** By endpoint id: class id, HOST_NETWORK or UNSEEN. */
  private classIds = new Int32Array(1024).fill(UNSEEN);
  /**
   * By peer: a slot of `peerSides`, the side number of (the endpoint's class id, or for a hostNetwork pod
   * ADDRESS_SIDE or UNRESOLVED_SIDE; the address key of the peer's IP, or of the endpoint's own IPs).
   */
  private peerSlots = new WeakMap<EndpointPeer, number>();
  private peerSides = new Int32Array(1024);
  private peerCount = 0;
  /** By endpoint id: the address key of all its own IPs, for flows that do not carry its IP. */
  private ownKeys = new Int32Array(1024);

  constructor(
    private readonly cluster: ClusterView,
    private readonly space: AddressSpace,
    private readonly sides: SideKeys,
  ) {}

  /**
   * The class id of endpoint `e` whose id is `id`, or HOST_NETWORK. The caller reads `e.id` once and passes it
   * to every method here: it is the one load from the inventory's object.
   */
  classOf(id: number, e: Endpoint): number {
    const c = id < this.classIds.length ? this.classIds[id]! : UNSEEN;
    return c !== UNSEEN ? c : this.add(e);
  }

  /** The peer's side number (engine/side-keys.ts). */
  sideOf(peer: EndpointPeer): number {
    const slot = this.peerSlots.get(peer);
    return slot !== undefined ? this.peerSides[slot]! : this.addPeer(peer);
  }

  /** The address key of the own IPs of a seen endpoint. */
  ownAddress(id: number): number {
    return this.ownKeys[id]!;
  }

  private addPeer(peer: EndpointPeer): number {
    const { endpoint, ip } = peer;
    const id = endpoint.id;
    const cls = this.classOf(id, endpoint);
    if (this.peerCount === MAX_PEERS) {
      this.peerSlots = new WeakMap();
      this.peerCount = 0;
    } else if (this.peerCount === this.peerSides.length) {
      this.peerSides = grownInts(this.peerSides, this.peerCount * 2);
    }
    // hostNetwork pods share the node's network namespace: not workload endpoints, just the node's address.
    const identity = cls !== HOST_NETWORK ? cls : ip === undefined ? UNRESOLVED_SIDE : ADDRESS_SIDE;
    const address = ip === undefined ? (cls === HOST_NETWORK ? NO_ADDRESS : this.ownKeys[id]!) : this.space.keyOfText(ip);
    const side = this.sides.numberOf(identity, address);
    const slot = this.peerCount++;
    this.peerSides[slot] = side;
    this.peerSlots.set(peer, slot);
    return side;
  }

  private add(e: Endpoint): number {
    if (e.id >= this.classIds.length) this.grow(e.id);
    if (e.kind === 'pod' && e.hostNetwork) return (this.classIds[e.id] = HOST_NETWORK);
    const key = EndpointClass.keyOf(e);
    let cls = this.classByKey.get(key);
    if (cls === undefined) {
      cls = new EndpointClass(this.classes.length, e, this.cluster);
      this.classes.push(cls);
      this.classByKey.set(key, cls);
    }
    this.ownKeys[e.id] = this.space.ownKey(e.ips);
    return (this.classIds[e.id] = cls.id);
  }

  private grow(id: number): void {
    const length = Math.max(id + 1, this.classIds.length * 2);
    const classIds = new Int32Array(length).fill(UNSEEN);
    classIds.set(this.classIds);
    this.classIds = classIds;
    this.ownKeys = grownInts(this.ownKeys, length);
  }
}

type EndpointPeer = Extract<Peer, { kind: 'endpoint' }>;

function grownInts(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(length);
  out.set(a);
  return out;
}
