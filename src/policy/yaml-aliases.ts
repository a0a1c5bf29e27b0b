/**
 * js-yaml gives every alias of a collection the anchored object itself, so a document with aliases reads as a
 * graph whose shared parts a walk would expand again each time; yaml's path copies each alias instead, and stops
 * at MAX_ALIAS_NODES expanded nodes (a "billion laughs" is an error there). unshareAliases turns js-yaml's graph
 * into the tree yaml's path builds, and declines (undefined) whenever that tree could pass the limit, or would
 * hold itself (an alias inside its own anchor), so that both are decided, and reported, by yaml's path.
 */
import { MAX_ALIAS_NODES } from './yaml-full.js';

type Collection = unknown[] | Record<string, unknown>;

class Unshareable extends Error {}

/**
 * The value with every second and later occurrence of an object replaced by a copy, or undefined when the copies
 * might count more than MAX_ALIAS_NODES nodes as yaml's path counts them, or when an object contains itself.
 * `scalarAliases` bounds the aliases of scalars (which leave no trace in the value): each counts at most 2 there.
 */
export function unshareAliases(value: unknown, scalarAliases: number): unknown {
  const sizes = new Map<Collection, number>();
  /**
   * An upper bound of the nodes yaml's path counts when it expands an alias of `v`: the nodes of its tree, each
   * child counted once more as if it were an alias itself. Memoized, so a graph of exponential expansion costs
   * time linear in its size.
   */
  const size = (v: unknown): number => {
    if (!isCollection(v)) return 1;
    let s = sizes.get(v);
    if (s === undefined) {
      s = 1;
      for (const child of Object.values(v)) s += 1 + size(child);
      sizes.set(v, s);
    }
    return s;
  };
  let budget = MAX_ALIAS_NODES - 2 * scalarAliases;
  const done = new Set<Collection>();
  const open = new Set<Collection>();
  // Aliases point back at anchors already read: the first time the walk meets an object it is the anchored one,
  // and every later meeting is an alias. Meeting an object whose walk is still open is a cycle.
  const walk = (v: unknown): unknown => {
    if (!isCollection(v)) return v;
    if (open.has(v)) throw new Unshareable();
    if (done.has(v)) {
      budget -= 1 + size(v);
      if (budget < 0) throw new Unshareable();
      return copy(v);
    }
    open.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = walk(v[i]);
    } else {
      // An own `__proto__` key is a data property here (js-yaml defines it so), and assignment keeps it one.
      for (const key of Object.keys(v)) v[key] = walk(v[key]);
    }
    open.delete(v);
    done.add(v);
    return v;
  };
  try {
    return walk(value);
  } catch (e) {
    if (e instanceof Unshareable) return undefined;
    throw e;
  }
}

function isCollection(v: unknown): v is Collection {
  return typeof v === 'object' && v !== null;
}

/** A deep copy of a tree of plain objects and arrays. */
function copy(v: unknown): unknown {
  if (!isCollection(v)) return v;
  if (Array.isArray(v)) return v.map(copy);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    // defineProperty, so a `__proto__` key stays data, never the copy's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy(v[key]), enumerable: true, writable: true, configurable: true });
    else out[key] = copy(v[key]);
  }
  return out;
}
