/**
 * The cluster's inventory as `kubectl get namespaces,serviceaccounts,pods -A -o yaml` would print it (trimmed to
 * the fields flowaudit reads: labels, timestamps, service account, container ports, pod IPs).
 */
import type { SyntheticCluster, SyntheticNamespace, SyntheticPod } from './cluster.js';
import { kubernetesTime, type Resource } from './resource.js';

function namespaceResource(ns: SyntheticNamespace): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns.name,
      labels: { 'kubernetes.io/metadata.name': ns.name, team: ns.team, env: ns.env, tier: ns.tier },
      creationTimestamp: kubernetesTime(ns.createdAt),
    },
    status: { phase: 'Active' },
  };
}

function serviceAccountResource(ns: SyntheticNamespace, name: string): Resource {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: ns.name, labels: { team: ns.team }, creationTimestamp: kubernetesTime(ns.createdAt) },
  };
}

function podResource(pod: SyntheticPod): Resource {
  const { kind, namespace, serviceAccount, version } = pod.app;
  const labels: Record<string, string> = { app: kind.app, tier: kind.tier, version, team: namespace.team, ...kind.extraLabels };
  if (pod.templateHash) labels['pod-template-hash'] = pod.templateHash;
  if (pod.quarantined) labels.quarantine = 'true';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: namespace.name,
      labels,
      creationTimestamp: kubernetesTime(pod.createdAt),
      ...(pod.deletedAt === null ? {} : { deletionTimestamp: kubernetesTime(pod.deletedAt) }),
    },
    spec: {
      serviceAccountName: serviceAccount,
      nodeName: pod.node.name,
      containers: kind.containers.map((c) => ({
        name: c.name,
        image: `${c.image}:${version}`,
        ports: c.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
      })),
    },
    status: { phase: 'Running', hostIP: pod.node.ip, podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
  };
}

/** Namespaces, then every namespace's service accounts (`default` first), then pods. */
export function inventoryResources(cluster: SyntheticCluster): Resource[] {
  const accounts = new Map<SyntheticNamespace, Set<string>>(cluster.namespaces.map((ns) => [ns, new Set(['default'])]));
  for (const app of cluster.apps) accounts.get(app.namespace)!.add(app.serviceAccount);
  return [
    ...cluster.namespaces.map(namespaceResource),
    ...cluster.namespaces.flatMap((ns) => [...accounts.get(ns)!].map((sa) => serviceAccountResource(ns, sa))),
    ...cluster.pods.map(podResource),
  ];
}
