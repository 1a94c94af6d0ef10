// `switchyard run --kubernetes` against a real Kubernetes API server (v1.20.2 built from Debian's
// source package by scripts/kube-apiserver.sh, with etcd): the shipped CRDs and RBAC, a real
// ServiceAccount token, routing changes made with kubectl and served under load, an invalid change
// that keeps the old routing, a Secret rotation, no listing of Secrets, an API server restart, the
// guide's own manifests (examples/gcp-vertex) applied with kubectl, and several replicas: one
// writes status, the Lease passes on when it dies or stops, and kubectl shows the Accepted column.
//
// Skipped (with the reason) only when the API server cannot be built on this host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startEmulator, makeTempDir, writeFile, repoDir } from './lib/harness.mjs';
import {
  apiServerSkipReason, startCluster, startEmulatorGateway, stopAll, keySecret, requestLoop, until, sleep,
} from './lib/kube.mjs';
import { auditLog, leaseRequests, parseTable, podKubeconfig, startReplica, statusWrites } from './lib/kube-replicas.mjs';

const skip = apiServerSkipReason('kubernetes.test.mjs');

const ns = 'sy-e2e';
const model = 'vertex-virtual-model';
let dir;
let api;
let emulator;
let gateway;
let client;

// kubectl as the admin.
const kubectl = (args, opts) => api.kubectl(args, opts);

// Priorities of the route's three refs: [broken, a, b]. The broken one is always first.
function priorityPatch(a, b, extra = []) {
  return JSON.stringify([
    { op: 'replace', path: '/spec/rules/0/backendRefs/1/priority', value: a },
    { op: 'replace', path: '/spec/rules/0/backendRefs/2/priority', value: b },
    ...extra,
  ]);
}
const patchRoute = (ops) => kubectl(['-n', ns, 'patch', 'aigatewayroute', model, '--type=json', '-p', ops]);

const startLoad = () => requestLoop(client, model, 4);

// Patches the priorities so that `wanted` is served, then waits for the first answer from it.
// Returns the time from kubectl patch returning to that answer (ms, 0 if it came first).
async function switchTo(load, wanted, extra) {
  const from = load.results.length;
  await patchRoute(wanted === 'gemini-a' ? priorityPatch(1, 2, extra) : priorityPatch(2, 1, extra));
  const patched = performance.now();
  const hit = await until(`an answer from ${wanted}`, async () => load.firstFrom(from, wanted), 5000);
  return Math.max(0, hit.at - patched);
}

before(async () => {
  if (skip) return;
  dir = await makeTempDir('switchyard-kube-');
  const cluster = await startCluster(dir, ns);
  api = cluster.api;
  assert.equal(cluster.rbac.length, 5, 'the base ships a ServiceAccount, a ClusterRole(Binding) and a Role(Binding)');

  // An emulator; the route sends the model to a broken priority-0 backend and two working ones.
  ({ emulator, gateway } = await startEmulatorGateway(api, dir, {
    ns,
    kubeconfig: cluster.kubeconfig,
    backends: ['a', 'b'],
    routes: {
      [model]: [
        { name: 'broken', model: 'gemini-broken', priority: 0 },
        { name: 'a', model: 'gemini-a', priority: 1 },
        { name: 'b', model: 'gemini-b', priority: 2 },
      ],
    },
  }));
  client = gateway.client;
});

after(() => stopAll(gateway, emulator, api));

test('/readyz is 200 once the first sync is loaded', { skip }, async () => {
  const res = await fetch(`${gateway.adminUrl}/readyz`);
  assert.equal(res.status, 200);
});

test('the broken priority-0 backend is answered by the priority-1 one (openai client)', { skip }, async () => {
  const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello kube' }] });
  assert.equal(res.model, 'gemini-a');
  assert.match(res.choices[0].message.content, /hello kube/);
});

test('a kubectl patch of the priorities is served within 1 s, with no failed request under load', { skip }, async () => {
  const load = startLoad();
  const times = [];
  try {
    await until('load running', async () => load.results.length > 8);
    for (let i = 0; i < 20; i++) times.push(await switchTo(load, i % 2 === 0 ? 'gemini-b' : 'gemini-a'));
  } finally {
    await load.stop();
  }
  const sorted = [...times].sort((x, y) => x - y);
  const median = (sorted[9] + sorted[10]) / 2;
  const max = sorted.at(-1);
  console.log(`# patch -> served (ms) over 20 changes: median ${median.toFixed(0)}, max ${max.toFixed(0)} [${times.map((t) => t.toFixed(0)).join(', ')}]; ${load.results.length} requests`);
  assert.deepEqual(load.failures(), []);
  assert.ok(max < 1000, `slowest change took ${max.toFixed(0)} ms`);
  // The route now serves gemini-a (an even number of switches from a).
});

test('an invalid change keeps the old routing and the gateway logs why', { skip }, async () => {
  // A bad timeout never reaches the gateway: the shipped CRD's schema rejects it.
  const bad = await kubectl(['-n', ns, 'patch', 'aigatewayroute', model, '--type=json', '-p',
    JSON.stringify([{ op: 'add', path: '/spec/rules/0/timeouts', value: { request: 'banana' } }])], { check: false });
  assert.ok(bad.failed, 'the API server rejects timeouts.request "banana"');
  assert.match(bad.stderr, /timeouts\.request/);

  // One the schema lets through: the priorities swapped together with an invalid regular expression.
  const load = startLoad();
  try {
    await until('load running', async () => load.results.length > 8);
    const from = load.results.length;
    await patchRoute(priorityPatch(2, 1, [
      { op: 'add', path: '/spec/rules/0/matches/-', value: { headers: [{ type: 'RegularExpression', name: 'x-ai-eg-model', value: '([' }] } },
    ]));
    await gateway.process.waitForLine((line) => (/invalid regular expression/.test(line) ? line : undefined), 5000);
    await sleep(1000);
    const after = load.results.slice(from).filter((r) => !r.error);
    assert.ok(after.length > 10);
    assert.ok(after.every((r) => r.model === 'gemini-a'), 'the old routing is still served');

    // Fixing it (the swap stays) is served.
    const fixed = load.results.length;
    await patchRoute(JSON.stringify([{ op: 'remove', path: '/spec/rules/0/matches/1' }]));
    await until('the fixed change served', async () => load.firstFrom(fixed, 'gemini-b'), 5000);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures(), []);
});

test('a Secret rotation is picked up', { skip }, async () => {
  // A key the emulator does not know: token grants fail, so requests fail once it is picked up.
  const other = JSON.parse(emulator.serviceAccountJson);
  other.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  other.private_key_id = 'rotated';
  await writeFile(path.join(dir, 'sa-other.yaml'), keySecret(JSON.stringify(other), ns));
  await writeFile(path.join(dir, 'sa-good.yaml'), keySecret(emulator.serviceAccountJson, ns));
  const ask = () => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'rotation' }] });
  await ask();
  await kubectl(['apply', '-f', path.join(dir, 'sa-other.yaml')]);
  await until('a request failing with the unknown key', async () => { try { await ask(); return false; } catch { return true; } }, 5000);
  await kubectl(['apply', '-f', path.join(dir, 'sa-good.yaml')]);
  await until('requests succeeding again with the rotated-back key', async () => { try { await ask(); return true; } catch { return false; } }, 5000);
});

test('the gateway never lists Secrets (RBAC forbids it, and the audit log shows none)', { skip }, async () => {
  const can = await kubectl(['auth', 'can-i', 'list', 'secrets', `--as=system:serviceaccount:${ns}:switchyard`, '-n', ns], { check: false });
  assert.equal(can.stdout ?? can, 'no');
  const canRoutes = await kubectl(['auth', 'can-i', 'list', 'aigatewayroutes.aigateway.envoyproxy.io', `--as=system:serviceaccount:${ns}:switchyard`, '-n', ns]);
  assert.equal(canRoutes, 'yes');
  const events = (await api.auditEvents()).filter((e) => e.user?.username === `system:serviceaccount:${ns}:switchyard` && e.objectRef?.resource === 'secrets');
  assert.ok(events.some((e) => e.verb === 'get' || e.verb === 'watch'), 'the audit log records the gateway reading its Secret');
  assert.deepEqual(events.filter((e) => e.verb === 'list').map((e) => e.requestURI), []);
  const served = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'still serving' }] });
  assert.ok(served.model);
});

test('the API server restarts (same etcd) under load with no failed request, and the watch resumes', { skip }, async () => {
  const load = startLoad();
  try {
    await until('load running', async () => load.results.length > 8);
    const current = load.results.at(-1).model;
    await api.down({ keepEtcd: true });
    await sleep(2000);
    const t0 = performance.now();
    await api.up();
    console.log(`# API server restarted in ${Math.round(performance.now() - t0)} ms`);
    const wanted = current === 'gemini-a' ? 'gemini-b' : 'gemini-a';
    const from = load.results.length;
    await patchRoute(wanted === 'gemini-a' ? priorityPatch(1, 2) : priorityPatch(2, 1));
    const patched = performance.now();
    const hit = await until(`an answer from ${wanted} after the restart`, async () => load.firstFrom(from, wanted), 30000);
    console.log(`# after the restart, patch -> served in ${Math.round(Math.max(0, hit.at - patched))} ms`);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures(), []);
});

// ---------------------------------------------------------------------------------------------
// The guide's manifests, and replicas. Each replica runs as a pod would: POD_NAME (its Lease
// identity) and a token bound to its Pod object, so the audit log names the pod behind every
// request. Its kubeconfig's context names the test namespace: outside a cluster that is the
// gateway's own namespace, where the Lease and the shipped leader-election Role are. The gateway of
// before() has the same context namespace, so it has led since it started: the first test below
// stops it, which releases the Lease for the replicas.

const leaseMs = 15000; // LeaderElectionOptions::leaseDuration
const renewMs = 5000; // LeaderElectionOptions::renewInterval (each wait is 80-100 % of it)
const replicas = []; // the tests below run in order, each on the replicas the one before left
const audit = () => auditLog(api);

async function replica(pod, { args = ['--namespace', ns], env = { SSL_CERT_FILE: emulator.trustBundle } } = {}) {
  const kubeconfig = await podKubeconfig(api, dir, { ns, pod });
  const r = await startReplica({ pod, kubeconfig, args, env });
  replicas.push(r);
  return r;
}

const leaseSpec = async () => JSON.parse(await kubectl(['-n', ns, 'get', 'lease', 'switchyard', '-o', 'json'])).spec;
const getJson = async (kind, name, namespace = ns) => JSON.parse(await kubectl(['-n', namespace, 'get', kind, name, '-o', 'json']));
const acceptedOf = (object) => object.status?.conditions?.find((c) => c.type === 'Accepted');

// Waits until `pod` holds the Lease; resolves the time since `t0` (ms) and the Lease's spec.
async function waitForHolder(pod, ms, t0 = performance.now()) {
  const spec = await until(`${pod} holding the Lease`, async () => {
    const s = await leaseSpec();
    return s.holderIdentity === pod ? s : undefined;
  }, ms);
  return { ms: performance.now() - t0, spec };
}

// Waits until the object's Accepted condition is for its current generation and has `status`.
async function waitForAccepted(kind, name, status, namespace = ns) {
  return until(`${kind} ${namespace}/${name} Accepted=${status} for its generation`, async () => {
    const object = await getJson(kind, name, namespace);
    const c = acceptedOf(object);
    return c?.status === status && c.observedGeneration === object.metadata.generation ? { object, condition: c } : undefined;
  }, 10000);
}

// A replica reading the Lease (it takes part in the election) since `mark`.
const waitForContender = (pod, mark) => until(`${pod} reading the Lease`, async () =>
  leaseRequests(await audit().since(mark), ns).some((r) => r.pod === pod && r.verb === 'get'));

after(async () => {
  for (const r of replicas) await r.stop();
});

test('before()\'s gateway holds the Lease in its own namespace (its context\'s), and stopped (SIGTERM) it releases it', { skip }, async () => {
  // Leading now: a renewal refused while the API server restarted (the test above) ends its
  // leadership until its next attempt, and a replica that is not the leader releases nothing.
  const changes = () => gateway.process.stderrLines.filter((l) => /became the leader|stopped being the leader/.test(l));
  const line = await until('before()\'s gateway leading', async () => changes().at(-1)?.includes('became the leader') && changes().at(-1), leaseMs);
  console.log(`# before()'s gateway: ${changes().length} leadership changes since it started`);
  assert.match(line, new RegExp(`Lease ${ns}/switchyard, `));
  const holder = (await leaseSpec()).holderIdentity;
  assert.ok(line.includes(`, ${holder})`), `${holder} holds the Lease: ${line}`);
  // None in another namespace (the 403s in `default` of a context without one).
  const elsewhere = (await api.auditEvents()).filter((e) => e.objectRef?.resource === 'leases' && e.objectRef.namespace !== ns);
  assert.deepEqual(elsewhere.map((e) => `${e.verb} ${e.requestURI} ${e.responseStatus?.code}`), []);
  assert.equal((await gateway.stop()).code, 0);
  assert.equal((await leaseSpec()).holderIdentity ?? '', '');
});

test('the guide\'s manifests (examples/gcp-vertex) applied with kubectl: the broken Pro falls back to Flash (openai client)', { skip }, async () => {
  // The emulator stands in for Google: its certificate names the host the guide's BackendTLSPolicy
  // checks, and SSL_CERT_FILE adds its CA to the system trust store (wellKnownCACertificates: System).
  const google = await startEmulator({ dir, args: ['--tls-dns', 'us-central1-aiplatform.googleapis.com'] });
  try {
    const examples = path.join(repoDir, 'examples/gcp-vertex');
    // As shipped, but for the ${VAR} placeholders: the file loader replaces them from the
    // environment, while objects from the API are taken as they are. So they are replaced before
    // `kubectl apply`, as a user would with sed (envsubst does not know ${VAR:=default}).
    const vars = { PROJECT_ID: google.serviceAccount.project_id, REGION: 'us-central1' };
    const files = [];
    for (const name of ['basic.yaml', 'gcp_vertex_broken.yaml', 'backend-tls-policy.yaml']) {
      const text = (await readFile(path.join(examples, name), 'utf8'))
        .replace(/\$\{([A-Z_]+)(?::=[^}]*)?\}/g, (_, v) => vars[v] ?? assert.fail(`unknown \${${v}} in ${name}`));
      files.push('-f', await writeFile(path.join(dir, 'guide', name), text));
    }
    await kubectl(['apply', ...files]);
    await kubectl(['-n', 'default', 'create', 'secret', 'generic', 'envoy-ai-gateway-basic-gcp-service-account-key-file',
      `--from-file=service_account.json=${google.keyFile}`]);
    // The one change to the guide's objects: the Flash Backend's endpoint is the emulator.
    const flash = await writeFile(path.join(dir, 'guide', 'flash-backend.yaml'), `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: envoy-ai-gateway-gcp-flash, namespace: default}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${google.port}}}]}
`);
    await kubectl(['apply', '-f', flash]);

    const t0 = performance.now();
    const guide = await replica('switchyard-guide', { args: ['--namespace', 'default'], env: { SSL_CERT_FILE: google.trustBundle } });
    console.log(`# the guide's gateway ready in ${Math.round(performance.now() - t0)} ms`);
    const res = await guide.client.chat.completions.create({ model: 'vertex-virtual-model', messages: [{ role: 'user', content: 'Hello from the guide' }] });
    assert.equal(res.model, 'gemini-2.5-flash');
    assert.match(res.choices[0].message.content, /Hello from the guide/);
    const line = await until('the access log line', async () => guide.accessLog().find((l) => l['gen_ai.request.model'] === 'vertex-virtual-model'));
    assert.deepEqual(line.attempts.map((a) => [a.backend, a.outcome]),
      [['default/envoy-ai-gateway-gcp-pro', 'upstream_dns'], ['default/envoy-ai-gateway-gcp-flash', 'ok']]);

    // Nobody holds the Lease (before()'s gateway released it): this one leads and writes status.
    await guide.leaderLine(10000);
    await waitForAccepted('aigatewayroute', 'envoy-ai-gateway-basic-gcp', 'True', 'default');
    const routes = parseTable(await kubectl(['-n', 'default', 'get', 'aigatewayroute']));
    assert.deepEqual(routes.map((r) => [r.name, r.accepted]), [['envoy-ai-gateway-basic-gcp', 'True']]);
    // Stopped with SIGTERM it releases the Lease, for the replicas of the next tests.
    assert.equal((await guide.stop()).code, 0);
    assert.equal((await leaseSpec()).holderIdentity ?? '', '');
  } finally {
    await google.stop();
  }
});

test('two replicas: exactly one holds the Lease and writes status, and both serve', { skip }, async () => {
  const mark = await audit().mark();
  const a = await replica('switchyard-a');
  assert.match(await a.leaderLine(), /switchyard-a/);
  const b = await replica('switchyard-b');
  await waitForContender('switchyard-b', mark);
  assert.equal((await leaseSpec()).holderIdentity, 'switchyard-a');

  // The leader writes the Accepted condition of the objects it serves, for their generation.
  const { object: route } = await waitForAccepted('aigatewayroute', model, 'True');
  assert.equal(acceptedOf(route).reason, 'Accepted');

  // An invalid change: an AIServiceBackend naming a Backend that does not exist. It is rejected:
  // Accepted=False on that object, with the field and the reason, and one Event, from the leader.
  await writeFile(path.join(dir, 'bogus.yaml'), `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: bogus, namespace: ${ns}}
spec: {schema: {name: GCPVertexAI}, backendRef: {name: missing}}
`);
  await kubectl(['apply', '-f', path.join(dir, 'bogus.yaml')]);
  const { condition } = await waitForAccepted('aiservicebackend', 'bogus', 'False');
  assert.equal(condition.reason, 'Invalid');
  assert.match(condition.message, /backendRef.*Backend sy-e2e\/missing not found/);
  const events = JSON.parse(await kubectl(['-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=bogus', '-o', 'json'])).items;
  assert.deepEqual(events.map((e) => [e.reason, e.reportingInstance]), [['ConfigurationRejected', 'switchyard-a']]);

  // Both serve, leader or not.
  for (const c of [a.client, b.client]) {
    const res = await c.chat.completions.create({ model, messages: [{ role: 'user', content: 'any replica' }] });
    assert.match(res.model, /^gemini-[ab]$/);
  }

  // The audit log: every status write and every Lease write since the replicas started came from
  // switchyard-a; switchyard-b only read the Lease.
  const since = await audit().since(mark);
  const writes = statusWrites(since, ns);
  assert.ok(writes.some((w) => w.resource === 'aiservicebackends' && w.name === 'bogus'), 'the rejection is written');
  assert.deepEqual([...new Set(writes.map((w) => w.pod))], ['switchyard-a']);
  const leaseWriters = leaseRequests(since, ns).filter((r) => r.verb !== 'get' && r.ok).map((r) => r.pod);
  assert.deepEqual([...new Set(leaseWriters)], ['switchyard-a']);
  assert.deepEqual(b.logs(/became the leader/), []);
  const reads = leaseRequests(since, ns).filter((r) => r.pod === 'switchyard-b').length;
  console.log(`# replicas: switchyard-a wrote ${writes.length} status patches and the Lease ${leaseWriters.length} times; switchyard-b read the Lease ${reads} times and wrote nothing`);
});

test('kubectl get shows the Accepted column: True for a good route, False for an invalid backend', { skip }, async () => {
  const routes = parseTable(await kubectl(['-n', ns, 'get', 'aigatewayroute']));
  assert.deepEqual(Object.keys(routes[0]), ['name', 'accepted', 'age']);
  assert.deepEqual(routes.map((r) => [r.name, r.accepted]), [[model, 'True']]);
  const backends = parseTable(await kubectl(['-n', ns, 'get', 'aiservicebackend']));
  assert.deepEqual(backends.map((r) => [r.name, r.accepted]), [['a', 'True'], ['b', 'True'], ['bogus', 'False'], ['broken', 'True']]);
  const wide = parseTable(await kubectl(['-n', ns, 'get', 'aiservicebackend', 'bogus', '-o', 'wide']));
  assert.match(wide[0].message, /Backend sy-e2e\/missing not found/);
  const policies = parseTable(await kubectl(['-n', ns, 'get', 'backendsecuritypolicy']));
  assert.deepEqual(policies.map((r) => [r.name, r.accepted]), [['gcp', 'True']]);
});

test('the leader killed (SIGKILL): the other replica takes the Lease once it expires, and writes status', { skip }, async () => {
  const [a, b] = ['switchyard-a', 'switchyard-b'].map((pod) => replicas.find((r) => r.pod === pod));
  assert.equal((await leaseSpec()).holderIdentity, a.pod);
  const load = requestLoop(b.client, model);
  const mark = await audit().mark();
  try {
    await until('load running', async () => load.results.length > 4);
    const killed = performance.now();
    await a.kill();
    const lastRenew = Date.parse((await leaseSpec()).renewTime); // the dead leader's last renewal
    const { ms, spec } = await waitForHolder(b.pod, leaseMs + renewMs + 5000, killed);
    const acquired = Date.parse(spec.acquireTime);
    console.log(`# SIGKILL: ${b.pod} took the Lease ${Math.round(ms)} ms after the kill, ${acquired - lastRenew - leaseMs} ms after it expired (duration ${leaseMs / 1000} s, renewal every ${renewMs / 1000} s); ${load.results.length} requests through it meanwhile`);
    // Not before the Lease expired (renewTime + leaseDurationSeconds), and at the next attempt after.
    assert.ok(acquired >= lastRenew + leaseMs, `taken ${lastRenew + leaseMs - acquired} ms before the Lease expired`);
    assert.ok(acquired <= lastRenew + leaseMs + renewMs + 2000, `taken ${acquired - lastRenew - leaseMs} ms after the Lease expired`);
    assert.ok(ms < leaseMs + renewMs + 2000, `${ms} ms`);
    assert.equal(b.logs(/took over the Lease from switchyard-a/).length, 1);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures(), []);

  // A new change: the invalid backend fixed. The new leader writes its status.
  await kubectl(['-n', ns, 'patch', 'aiservicebackend', 'bogus', '--type=merge', '-p', '{"spec":{"backendRef":{"name":"a"}}}']);
  const { condition } = await waitForAccepted('aiservicebackend', 'bogus', 'True');
  assert.equal(condition.observedGeneration, 2);
  const writes = statusWrites(await audit().since(mark), ns);
  assert.ok(writes.some((w) => w.name === 'bogus'));
  assert.deepEqual([...new Set(writes.map((w) => w.pod))], [b.pod]);
});

test('the leader stopped (SIGTERM): it releases the Lease and the other replica takes it at its next attempt', { skip }, async () => {
  const b = replicas.find((r) => r.pod === 'switchyard-b');
  const mark = await audit().mark();
  const c = await replica('switchyard-c');
  await waitForContender(c.pod, mark);
  const load = requestLoop(c.client, model);
  try {
    await until('load running', async () => load.results.length > 4);
    const renewed = Date.parse((await leaseSpec()).renewTime);
    const [stopped, stoppedAt] = [performance.now(), Date.now()];
    const exit = b.stop();
    const { ms, spec } = await waitForHolder(c.pod, leaseMs + renewMs + 5000, stopped);
    const acquired = Date.parse(spec.acquireTime);
    console.log(`# SIGTERM: ${c.pod} took the released Lease ${Math.round(ms)} ms after the leader was told to stop (acquireTime +${acquired - stoppedAt} ms); ${load.results.length} requests through it meanwhile`);
    assert.equal((await exit).code, 0);
    assert.equal(b.logs(/stopped being the leader.*: stopped/).length, 1);
    // Before the Lease could have expired (the leader renewed it at most a renewal interval before
    // SIGTERM): it was released, and taken at the next attempt.
    assert.ok(acquired < renewed + leaseMs, `taken ${acquired - renewed} ms after the last renewal`);
    assert.ok(acquired - stoppedAt < renewMs + 2000, `taken ${acquired - stoppedAt} ms after SIGTERM`);
    assert.equal(c.logs(/took over the Lease from nobody/).length, 1);
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures(), []);

  // A new change: the priorities of the route swapped. The new leader writes its status, and the
  // replica serves it.
  const route = await getJson('aigatewayroute', model);
  const [pa, pb] = [1, 2].map((i) => route.spec.rules[0].backendRefs[i].priority);
  await patchRoute(priorityPatch(pb, pa));
  const { condition } = await waitForAccepted('aigatewayroute', model, 'True');
  assert.equal(condition.observedGeneration, route.metadata.generation + 1);
  const wanted = pb < pa ? 'gemini-a' : 'gemini-b';
  await until(`an answer from ${wanted}`, async () => (await c.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'swapped' }] })).model === wanted, 5000);
  const writes = statusWrites(await audit().since(mark), ns);
  assert.ok(writes.some((w) => w.resource === 'aigatewayroutes' && w.name === model));
  assert.deepEqual([...new Set(writes.map((w) => w.pod))], [c.pod]);
});
