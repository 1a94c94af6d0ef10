// Several `switchyard run --kubernetes` replicas against the test API server (kubernetes.test.mjs),
// each as a pod of a Deployment would be: its own identity (POD_NAME) and a ServiceAccount token
// bound to its Pod object, as the kubelet projects one. The API server then records the pod's name
// with every request in the audit log (user.extra), which is how a test tells the replicas apart.
import path from 'node:path';
import { serviceAccountKubeconfig, startKubeGateway } from './kube.mjs';

export const podNameKey = 'authentication.kubernetes.io/pod-name';

/**
 * Creates the Pod `pod` in `ns` (never scheduled: there is no kubelet) running as `serviceAccount`,
 * and writes a kubeconfig for it under `dir` (serviceAccountKubeconfig() with a token bound to it).
 */
export async function podKubeconfig(api, dir, { ns, pod, serviceAccount = 'switchyard' }) {
  await api.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, namespace: ns, labels: { app: 'switchyard' } },
      spec: { serviceAccountName: serviceAccount, containers: [{ name: 'switchyard', image: 'localhost/switchyard:latest' }] },
    }),
  });
  return serviceAccountKubeconfig(api, path.join(dir, `${pod}.kubeconfig`), ns, serviceAccount, { pod });
}

/**
 * Starts a replica as `pod` with `kubeconfig` and waits for /readyz (its first sync loaded).
 * Resolves the startKubeGateway() handle plus `pod`, `kill()` (SIGKILL: no release of the Lease),
 * `leaderLine(ms)` (its "became the leader" log line) and `logs(pattern)`.
 */
export async function startReplica({ pod, kubeconfig, args = [], env = {} }) {
  const gateway = await startKubeGateway({ kubeconfig, args, env: { ...env, POD_NAME: pod } });
  return {
    ...gateway,
    pod,
    kill: async () => { gateway.process.child.kill('SIGKILL'); return gateway.process.exited; },
    leaderLine: (ms = 25000) => gateway.process.waitForLine((line) => (line.includes('became the leader') ? line : undefined), ms),
    logs: (pattern) => [...gateway.process.stdoutLines, ...gateway.process.stderrLines].filter((l) => pattern.test(l)),
  };
}

/** The API server's audit log in parts: `mark()`, and `since(mark)`, the requests completed after it. */
export function auditLog(api) {
  return {
    mark: () => api.auditMark(),
    since: async (mark = 0) => (await api.auditEvents(mark)).filter((e) => e.stage === 'ResponseComplete'),
  };
}

/** The pod a request came from (its bound token's pod), or null for a token bound to no pod. */
export const podOf = (event) => event.user?.extra?.[podNameKey]?.[0] ?? null;

const succeeded = (event) => (event.responseStatus?.code ?? 0) / 100 === 2;

/** Successful writes to the status subresource in `ns`: { pod, resource, name, at }. */
export function statusWrites(events, ns) {
  return events.filter((e) => e.objectRef?.subresource === 'status' && e.objectRef.namespace === ns
      && ['patch', 'update'].includes(e.verb) && succeeded(e))
    .map((e) => ({ pod: podOf(e), resource: e.objectRef.resource, name: e.objectRef.name, at: e.stageTimestamp }));
}

/** Requests on the Lease `ns`/`name` by verb: { pod, verb, ok, at }. */
export function leaseRequests(events, ns, name = 'switchyard') {
  return events.filter((e) => e.objectRef?.resource === 'leases' && e.objectRef.namespace === ns
      && (e.objectRef.name === name || e.verb === 'create'))
    .map((e) => ({ pod: podOf(e), verb: e.verb, ok: succeeded(e), at: e.stageTimestamp }));
}

/**
 * Rows of a `kubectl get` table as objects keyed by the lower-cased header ({ name, accepted, ... }).
 * Columns are found by the header's positions; the last column runs to the end of the line.
 */
export function parseTable(text) {
  const [header, ...rows] = text.split('\n').filter(Boolean);
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ key: m[0].toLowerCase(), at: m.index }));
  return rows.map((row) => Object.fromEntries(starts.map((s, i) =>
    [s.key, row.slice(s.at, i + 1 < starts.length ? starts[i + 1].at : undefined).trim()])));
}
