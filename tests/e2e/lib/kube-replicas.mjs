// Several `switchyard run --kubernetes` replicas against the test API server (kubernetes.test.mjs),
// each as a pod of a Deployment would be: its own identity (POD_NAME) and a ServiceAccount token
// bound to its Pod object, as the kubelet projects one. The API server then records the pod's name
// with every request in the audit log (user.extra), which is how a test tells the replicas apart.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startGateway, writeFile } from './harness.mjs';

export const podNameKey = 'authentication.kubernetes.io/pod-name';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the Pod `pod` (never scheduled: there is no kubelet) running as `serviceAccount`, and
 * writes a kubeconfig for it: the admin kubeconfig's cluster, a token bound to that Pod, and `ns`
 * as the context's namespace (outside a cluster, the gateway's own namespace: where its Lease is).
 * `kubectl(args)` runs kubectl as the admin and resolves with its stdout.
 */
export async function podKubeconfig({ kubectl, adminKubeconfig, dir, ns, pod, serviceAccount = 'switchyard' }) {
  const podFile = await writeFile(path.join(dir, `${pod}.pod.json`), JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod, namespace: ns, labels: { app: 'switchyard' } },
    spec: { serviceAccountName: serviceAccount, containers: [{ name: 'switchyard', image: 'localhost/switchyard:latest' }] },
  }));
  await kubectl(['apply', '-f', podFile]);
  const token = await kubectl(['-n', ns, 'create', 'token', serviceAccount,
    '--bound-object-kind=Pod', `--bound-object-name=${pod}`, '--duration=2h']);
  const config = JSON.parse(await kubectl(['config', 'view', '--raw', '--minify', '-o', 'json', '--kubeconfig', adminKubeconfig]));
  const cluster = config.contexts[0].context.cluster;
  config.users = [{ name: pod, user: { token } }];
  config.contexts = [{ name: pod, context: { cluster, user: pod, namespace: ns } }];
  config['current-context'] = pod;
  return writeFile(path.join(dir, `${pod}.kubeconfig`), JSON.stringify(config, null, 2));
}

/**
 * Starts a replica as `pod` with `kubeconfig` and waits for /readyz (its first sync loaded).
 * Resolves the startGateway() handle plus `pod`, `kill()` (SIGKILL: no release of the Lease) and
 * `leaderLine(ms)` (its "became the leader" log line).
 */
export async function startReplica({ pod, kubeconfig, args = [], env = {} }) {
  const gateway = await startGateway({ args: ['--kubernetes', '--kubeconfig', kubeconfig, ...args], env: { ...env, POD_NAME: pod } });
  for (let end = Date.now() + 15000; ;) {
    const ready = await fetch(`${gateway.adminUrl}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > end) {
      await gateway.stop();
      throw new Error(`${pod}: /readyz not 200 within 15 s\n${gateway.process.output()}`);
    }
    await sleep(50);
  }
  return {
    ...gateway,
    pod,
    kill: async () => { gateway.process.child.kill('SIGKILL'); return gateway.process.exited; },
    leaderLine: (ms = 25000) => gateway.process.waitForLine((line) => (line.includes('became the leader') ? line : undefined), ms),
    logs: (pattern) => [...gateway.process.stdoutLines, ...gateway.process.stderrLines].filter((l) => pattern.test(l)),
  };
}

/** The API server's audit log (one JSON event per line); `mark()` and `since(mark)` read it in parts. */
export function auditLog(file) {
  const read = async () => (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  return {
    mark: async () => (await read()).length,
    // The completed requests logged after `mark` (all when it is 0).
    since: async (mark = 0) => (await read()).slice(mark).map((l) => JSON.parse(l))
      .filter((e) => e.stage === 'ResponseComplete'),
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

/** Requests in a loop through `client` from `workers` concurrent callers; each result is { at, model } or { at, error }. */
export function requestLoop(client, model, workers = 2) {
  const results = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, i) => {
    while (running) {
      try {
        const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `loop ${i}` }] });
        results.push({ at: performance.now(), model: res.model });
      } catch (error) {
        results.push({ at: performance.now(), error: `${error.status ?? ''} ${error.message}` });
      }
    }
  });
  return {
    results,
    failures: () => results.filter((r) => r.error),
    stop: async () => { running = false; await Promise.all(loops); },
  };
}
