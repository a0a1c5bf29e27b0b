/**
 * A side of a flow as the verdict cache keys it: its identity (endpoint class id, or ADDRESS_SIDE, UNRESOLVED_SIDE,
 * UNRESOLVED_ENDPOINT_SIDE) and its address key (engine/address-space.ts), numbered from 0 as pairs first seen.
 * With one number per side the cache key is three int32s and a cache slot is 16 bytes, a quarter of a cache
 * line. A side whose flow IP is no IP gets its number negated (−1 − number): such flows are not cached.
 */
import { NO_ADDRESS, NOT_AN_ADDRESS } from './address-space.js';
import { ADDRESS_SIDE, UNRESOLVED_ENDPOINT_SIDE, UNRESOLVED_SIDE } from './context.js';
import { int32sHolding } from './grow.js';

export class SideKeys {
  private readonly byPair = new Map<string, number>();
  private identities = new Int32Array(256);
  private addresses = new Int32Array(256);
  private count = 0;
  /** Side numbers of addresses that are no endpoint, by address key (0: not numbered yet). */
  private addressSides: Int32Array;
  readonly unresolved: number;
  readonly unresolvedEndpoint: number;

  /** `flowAddressKeys`: the number of address keys a flow IP can have (AddressSpace.classCount + 1). */
  constructor(flowAddressKeys: number) {
    this.addressSides = new Int32Array(flowAddressKeys);
    this.unresolved = this.numberOf(UNRESOLVED_SIDE, NO_ADDRESS);
    this.unresolvedEndpoint = this.numberOf(UNRESOLVED_ENDPOINT_SIDE, NO_ADDRESS);
  }

  /** The side number of (identity, address), negated when the address is NOT_AN_ADDRESS. */
  numberOf(identity: number, address: number): number {
    const pair = `${identity}/${address}`;
    let n = this.byPair.get(pair);
    if (n === undefined) {
      if (this.count === this.identities.length) {
        this.identities = int32sHolding(this.identities, this.count);
        this.addresses = int32sHolding(this.addresses, this.count);
      }
      n = this.count++;
      this.identities[n] = identity;
      this.addresses[n] = address;
      this.byPair.set(pair, n);
    }
    return address === NOT_AN_ADDRESS ? -1 - n : n;
  }

  /** The side number of an address that is no endpoint, from its address key. */
  ofAddress(address: number): number {
    if (address === NOT_AN_ADDRESS) return this.numberOf(ADDRESS_SIDE, address);
    const n = this.addressSides[address]!;
    // Stored plus one, so that 0 means "not numbered yet".
    if (n !== 0) return n - 1;
    const side = this.numberOf(ADDRESS_SIDE, address);
    this.addressSides[address] = side + 1;
    return side;
  }

  /** Identity of a side number (negated or not). */
  identity(side: number): number {
    return this.identities[side < 0 ? -1 - side : side]!;
  }

  /** Address key of a side number (negated or not). */
  address(side: number): number {
    return this.addresses[side < 0 ? -1 - side : side]!;
  }
}

