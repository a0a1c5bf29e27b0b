/**
 * Calico NetworkSet (namespaced) and GlobalNetworkSet: labels and `spec.nets` (IPs or CIDRs; host bits are
 * cleared as Felix does). Validator: the label `projectcalico.org/namespace` is reserved.
 */
import { parseCidr } from './cidr.js';
import type { FieldMap } from './fields.js';
import type { Cidr, NetworkSet } from './model.js';
import { childPath } from './path.js';
import { readMetadata } from './resource.js';

export function convertNetworkSet(root: FieldMap, kind: 'NetworkSet' | 'GlobalNetworkSet'): NetworkSet | undefined {
  const metadata = readMetadata(root, kind === 'NetworkSet' ? 'namespaced' : 'cluster');
  const spec = root.map('spec', ['nets']);
  if (metadata === undefined) return undefined;
  if (Object.hasOwn(metadata.labels, 'projectcalico.org/namespace')) {
    root.check.report('bad-value', 'the label projectcalico.org/namespace is reserved', childPath(root.pathOf('metadata'), 'labels'));
  }
  const nets: Cidr[] = [];
  for (const item of spec?.strings('nets') ?? []) {
    const parsed = parseCidr(item.value, 'set');
    if (parsed.ok) nets.push(parsed.cidr);
    else root.check.report('bad-cidr', parsed.reason, item.path);
  }
  const base = { name: metadata.name, labels: metadata.labels, nets };
  return metadata.namespace === undefined ? base : { ...base, namespace: metadata.namespace };
}
