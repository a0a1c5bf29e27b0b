/**
 * What the evaluator keeps of endpoints: by endpoint id, the class (engine/subject.ts) and the address key of its
 * own IPs. The side number of an endpoint peer (engine/side-keys.ts) is remembered by the peer's slot
 * (engine/peer-sides.ts), so the warm path never touches the endpoint object or the IP string.
 */
import type { ClusterView, Endpoint } from '../inventory/endpoint.js';
import type { EndpointPeer } from '../inventory/peers.js';
import type { Profile } from '../policy/model.js';
import { type AddressSpace, NO_ADDRESS } from './address-space.js';
import { ADDRESS_SIDE, UNRESOLVED_SIDE } from './context.js';
import { int32sHolding } from './grow.js';
import type { SideKeys } from './side-keys.js';
import { EndpointClass } from './subject.js';

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
  /** By endpoint id: the address key of all its own IPs, for flows that do not carry its IP. */
  private ownKeys = new Int32Array(1024);

  constructor(
    private readonly cluster: ClusterView,
    private readonly profiles: ReadonlyMap<string, Profile>,
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

  /**
   * The side number of (the endpoint's class id, or for a hostNetwork pod ADDRESS_SIDE or UNRESOLVED_SIDE; the
   * address key of the peer's IP, or of the endpoint's own IPs when the flow carries none).
   */
  sideOf(peer: EndpointPeer): number {
    const { endpoint, ip } = peer;
    const id = endpoint.id;
    const cls = this.classOf(id, endpoint);
    // hostNetwork pods share the node's network namespace: not workload endpoints, just the node's address.
    const identity = cls !== HOST_NETWORK ? cls : ip === undefined ? UNRESOLVED_SIDE : ADDRESS_SIDE;
    const address = ip === undefined ? (cls === HOST_NETWORK ? NO_ADDRESS : this.ownKeys[id]!) : this.space.keyOfText(ip);
    return this.sides.numberOf(identity, address);
  }

  /** The address key of the own IPs of a seen endpoint. */
  ownAddress(id: number): number {
    return this.ownKeys[id]!;
  }

  private add(e: Endpoint): number {
    if (e.id >= this.classIds.length) this.grow(e.id);
    if (e.kind === 'pod' && e.hostNetwork) return (this.classIds[e.id] = HOST_NETWORK);
    const key = EndpointClass.keyOf(e);
    let cls = this.classByKey.get(key);
    if (cls === undefined) {
      cls = new EndpointClass(this.classes.length, e, this.cluster, this.profiles);
      this.classes.push(cls);
      this.classByKey.set(key, cls);
    }
    this.ownKeys[e.id] = this.space.ownKey(e.ips);
    return (this.classIds[e.id] = cls.id);
  }

  private grow(id: number): void {
    const seen = this.classIds.length;
    this.classIds = int32sHolding(this.classIds, id);
    this.classIds.fill(UNSEEN, seen);
    this.ownKeys = int32sHolding(this.ownKeys, id);
  }
}
