// `switchyard run --kubernetes` against its own real API server (v1.20.2 and etcd, from
// scripts/kube-apiserver.sh), where the cluster is not tidy:
//  - kinds whose CRD is missing at start are skipped with one warning each, and a CRD installed
//    later is picked up by the discovery refresh (a BackendTrafficPolicy's retry then takes effect);
//  - etcd compacted and the API server restarted under load: the watches resume from compacted
//    resourceVersions, get 410 Gone and relist once each for it (no storm), with no failed request;
//  - the shipped RBAC: a table of what the ServiceAccount may and may not do, the gateway running
//    on exactly that role, and the README's narrower per-installation Secret role;
//  - every document kustomize renders from deploy/kubernetes, and the example CRs, validated by a
//    server-side dry-run (the kinds and fields 1.20 predates are named, and checked as converted).
//
// Skipped (with the reason) only when the API server cannot be built on this host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { makeTempDir, writeFile, repoDir, jsonLine } from './lib/harness.mjs';
import {
  apiServerSkipReason, startCluster, startEmulatorGateway, stopAll, installCrds, renderBase, serviceAccountKubeconfig,
  startKubeGateway, requestLoop, yamlDocuments, listOf, until, sleep, kubectl,
} from './lib/kube.mjs';

const skip = apiServerSkipReason('kubernetes-resilience.test.mjs');

const ns = 'sy-resilience';
const model = 'vertex-virtual-model';
const retryModel = 'retry-model';
const missing = ['backendtrafficpolicies.gateway.envoyproxy.io', 'clienttrafficpolicies.gateway.envoyproxy.io'];
const sa = `system:serviceaccount:${ns}:switchyard`;
let dir;
let api;
let crds;
let gatewayKubeconfig;
let emulator;
let gateway;
let client;
// While the API server restarts (test 3) it answers 403 until its RBAC authorizer has read the roles.
const restartWindow = { down: undefined, up: undefined };

// The gateway's log lines (stderr, JSON) whose message matches `re`.
const logLines = (re, g = gateway) => g.process.stderrLines.map(jsonLine).filter((j) => j && re.test(j.msg));

const ask = (m, content = 'hello') => client.chat.completions.create({ model: m, messages: [{ role: 'user', content }] });

before(async () => {
  if (skip) return;
  dir = await makeTempDir('switchyard-kube-resilience-');
  // Every CRD of deploy/crds but BackendTrafficPolicy's and ClientTrafficPolicy's.
  ({ api, crds, kubeconfig: gatewayKubeconfig } = await startCluster(dir, ns, { exceptCrds: missing }));

  // An emulator; `model` goes to a broken priority-0 backend, then to `a` (as gemini-a, then as
  // gemini-b); `retryModel` to `a` alone.
  ({ emulator, gateway } = await startEmulatorGateway(api, dir, {
    ns,
    kubeconfig: gatewayKubeconfig,
    backends: ['a'],
    routes: {
      [model]: [
        { name: 'broken', model: 'gemini-broken', priority: 0 },
        { name: 'a', model: 'gemini-a', priority: 1 },
        { name: 'a', model: 'gemini-b', priority: 2 },
      ],
      [retryModel]: [{ name: 'a', model: 'gemini-retry' }],
    },
  }));
  client = gateway.client;
});

after(() => stopAll(gateway, emulator, api));

test('a kind whose CRD is missing is skipped with exactly one warning, and the gateway serves', { skip }, async () => {
  const notServed = logLines(/is not served/);
  assert.deepEqual(notServed.map((j) => [j.level, j.msg]), [
    ['warn', 'Kubernetes API: BackendTrafficPolicy (gateway.envoyproxy.io) is not served (its CRD is not installed); skipped'],
    ['warn', 'Kubernetes API: ClientTrafficPolicy (gateway.envoyproxy.io) is not served (its CRD is not installed); skipped'],
  ]);
  assert.equal((await fetch(`${gateway.adminUrl}/readyz`)).status, 200);
  const res = await ask(model, 'hello kube');
  assert.equal(res.model, 'gemini-a');
  assert.match(res.choices[0].message.content, /hello kube/);
});

test('a CRD installed after start is picked up by the discovery refresh: a BackendTrafficPolicy retry takes effect', { skip }, async () => {
  // Without a policy the route tries its one backend once: a 503 fails the request.
  await emulator.addFault({ model: 'gemini-retry', fault: { status: 503 }, count: 1 });
  await assert.rejects(ask(retryModel), (err) => err.status === 503);

  const t0 = performance.now();
  await installCrds(api, dir, [crds['backendtrafficpolicies.gateway.envoyproxy.io']]);
  await writeFile(path.join(dir, 'btp.yaml'), `
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: retry-503}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: ${retryModel}}]
  retry:
    numRetries: 2
    retryOn: {triggers: [retriable-status-codes], httpStatusCodes: [503]}
`);
  await api.kubectl(['-n', ns, 'apply', '-f', path.join(dir, 'btp.yaml')]);
  // The refresh runs every 30 s.
  const line = await gateway.process.waitForLine((l) => {
    const j = jsonLine(l);
    return j && /BackendTrafficPolicy .* is served now/.test(j.msg) ? j : undefined;
  }, 40000);
  assert.deepEqual([line.level, line.msg],
    ['info', 'Kubernetes API: BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1) is served now; watching it']);
  console.log(`# CRD installed -> watched in ${Math.round(performance.now() - t0)} ms (discovery every 30 s)`);

  // Loaded (the route carries the retry policy), the same fault is retried and the request succeeds.
  // One fault only: three 503s in a row would eject the backend (outlier detection).
  await until('the retry policy loaded', async () => {
    const dump = await (await fetch(`${gateway.adminUrl}/config_dump`)).json();
    return dump.routes.find((r) => r.name === `${ns}/${retryModel}`)?.retry?.numRetries === 2;
  }, 5000);
  await emulator.addFault({ model: 'gemini-retry', fault: { status: 503 }, count: 1 });
  const { data: res, response } = await client.chat.completions.create({ model: retryModel, messages: [{ role: 'user', content: 'retry' }] }).withResponse();
  const id = response.headers.get('x-request-id');
  const logged = await until('the access log line', async () => gateway.accessLog().find((l) => l['x-request-id'] === id));
  assert.deepEqual(logged.attempts.map((a) => a.outcome), ['status_503', 'ok']);
  assert.equal(res.model, 'gemini-retry');

  assert.equal(logLines(/is served now/).length, 1);
});

test('etcd compacted and the API server restarted under load: 410 Gone, one relist per watch, no failed request', { skip }, async () => {
  // Many changes, none the gateway reads (an unreferenced ConfigMap), to move etcd's revision on.
  await api.kubectl(['-n', ns, 'create', 'configmap', 'scratch']);
  for (let i = 0; i < 20; i++) {
    await api.kubectl(['-n', ns, 'annotate', '--overwrite', 'configmap', 'scratch', `n=${i}`]);
  }
  // The resourceVersion each of the gateway's kind watches resumes from: its last watch request's
  // (the named Secret and ConfigMap watches carry none: they start from now).
  // The kind installed by the previous test may still be between its list and its first watch.
  const watches = new Map();
  await until('a watch with a resourceVersion for each of the 8 kinds', async () => {
    for (const e of await api.auditEvents()) {
      if (e.user?.username !== sa || e.verb !== 'watch') continue;
      const rv = new URL(e.requestURI, 'https://x').searchParams.get('resourceVersion');
      if (rv !== null) watches.set(e.objectRef.resource, Number(rv));
    }
    return watches.size === 8;
  }, 15000).catch(() => {});
  assert.equal(watches.size, 8, [...watches.keys()].join(', '));
  const status = JSON.parse(await api.etcdctl(['endpoint', 'status', '-w', 'json']));
  const revision = status[0].Status.header.revision;
  await api.etcdctl(['compact', String(revision)]);
  for (const [watch, rv] of watches) assert.ok(rv < revision, `${watch} watches from ${rv}, before the compaction at ${revision}`);
  await assert.rejects(api.etcdctl(['get', '/registry', '--prefix', '--keys-only', '--limit=1', `--rev=${revision - 1}`]),
    /required revision has been compacted/);

  const load = requestLoop(client, model, 4);
  try {
    await until('load running', async () => load.results.length > 8);
    restartWindow.down = new Date();
    await api.down({ keepEtcd: true });
    await sleep(1000);
    const t0 = performance.now();
    await api.up();
    restartWindow.up = new Date();
    console.log(`# API server restarted in ${Math.round(performance.now() - t0)} ms (etcd compacted at revision ${revision})`);
    // A change after the relists is served.
    const from = load.results.length;
    await api.kubectl(['-n', ns, 'patch', 'aigatewayroute', model, '--type=json', '-p', JSON.stringify([
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/priority', value: 2 },
      { op: 'replace', path: '/spec/rules/0/backendRefs/2/priority', value: 1 },
    ])]);
    await until('the change after the restart served', async () => load.firstFrom(from, 'gemini-b'), 30000);
    await sleep(3000);  // time for a storm, were there one
  } finally {
    await load.stop();
  }
  assert.deepEqual(load.failures(), []);

  // Each kind's watch resumed from a compacted resourceVersion and relisted exactly once for it. The
  // named Secret and ConfigMap watches start from now after a GET, so compaction never refuses them.
  // A freshly restarted API server has also been seen to refuse, once, a resourceVersion it had just
  // listed itself (its watch cache for the kind starting at a later revision than that list); the
  // gateway then lists again after a backoff, as client-go's reflector does. More than that is a storm.
  const resources = {
    AIGatewayRoute: 'aigatewayroutes', AIServiceBackend: 'aiservicebackends', BackendSecurityPolicy: 'backendsecuritypolicies',
    Backend: 'backends', BackendTrafficPolicy: 'backendtrafficpolicies', BackendTLSPolicy: 'backendtlspolicies',
    Gateway: 'gateways', GatewayConfig: 'gatewayconfigs',
  };
  const relists = new Map();  // resource -> the resourceVersions its watch relisted from, in order
  const relistLines = logLines(/too old \(410 Gone\); relisting/);
  for (const j of relistLines) {
    const [, kind, where, rv] = j.msg.match(/^Kubernetes API: watch (\w+) (in .*) from resourceVersion (\d+): too old/);
    assert.equal(where, `in ${ns}`);
    relists.set(resources[kind], [...(relists.get(resources[kind]) ?? []), Number(rv)]);
  }
  console.log(`# 410 Gone -> relists from resourceVersion: ${[...relists].map(([r, rvs]) => `${r} ${rvs.join(', ')}`).join('; ')}`);
  const why = relistLines.map((j) => j.msg).join('\n');
  assert.deepEqual([...relists.keys()].sort(), Object.values(resources).sort(), why);
  for (const [resource, [compacted, ...again]] of relists) {
    assert.ok(compacted < revision, `${resource}: the first relist is from ${compacted}, not from before the compaction\n${why}`);
    assert.ok(again.length <= 1 && again.every((rv) => rv >= revision), `${resource} relisted from ${compacted}, ${again}\n${why}`);
  }

  // The API server saw the same: since the restart, one list per relist (in pages of 500); the named
  // objects were read again by GET, never listed.
  const lists = new Map();
  const gets = new Set();
  for (const e of await api.auditEvents()) {
    if (e.user?.username !== sa || e.stage !== 'ResponseComplete' || new Date(e.requestReceivedTimestamp) < restartWindow.down) continue;
    if (e.verb === 'list') assert.match(e.requestURI, /[?&]limit=500(&|$)/);
    if (e.verb === 'list') lists.set(e.objectRef.resource, (lists.get(e.objectRef.resource) ?? 0) + 1);
    if (e.verb === 'get' && e.objectRef && e.responseStatus.code === 200) gets.add(`${e.objectRef.resource}/${e.objectRef.name}`);
  }
  assert.deepEqual(Object.fromEntries([...lists].sort()), Object.fromEntries([...relists].map(([r, rvs]) => [r, rvs.length]).sort()));
  assert.ok(gets.has('secrets/sa') && gets.has('configmaps/emu-ca'), [...gets].join(', '));

  // Discovery ran again meanwhile, across the restart too, and changed nothing: no kind added again
  // or dropped, and the kind still missing was warned about once.
  assert.equal(logLines(/is served now/).length, 1);
  assert.deepEqual(logLines(/is not served any more/), []);
  assert.equal(logLines(/ClientTrafficPolicy .* is not served/).length, 1);
});

test('the shipped RBAC grants the gateway what it uses and denies the rest (kubectl auth can-i as its ServiceAccount)', { skip }, async () => {
  const other = 'sy-other';
  await api.kubectl(['create', 'namespace', other]);
  await installCrds(api, dir, Object.values(crds));  // kubectl names a resource only once it is served
  const ai = 'aigateway.envoyproxy.io';
  const allowed = [
    ...['aigatewayroutes', 'aiservicebackends', 'backendsecuritypolicies'].flatMap((r) => ['get', 'list', 'watch'].map((v) => [v, `${r}.${ai}`, '-A'])),
    ...['backends', 'backendtrafficpolicies', 'clienttrafficpolicies'].flatMap((r) => ['list', 'watch'].map((v) => [v, `${r}.gateway.envoyproxy.io`, '-A'])),
    ...['backendtlspolicies', 'gateways'].flatMap((r) => ['list', 'watch'].map((v) => [v, `${r}.gateway.networking.k8s.io`, '-A'])),
    ['get', 'secrets/sa', '-n', ns], ['watch', 'secrets', '-n', ns], ['get', 'configmaps/emu-ca', '-n', other],
    ['patch', `aigatewayroutes.${ai}`, '--subresource=status', '-n', other],
    ['patch', `aiservicebackends.${ai}`, '--subresource=status', '-n', other],
    ['patch', `backendsecuritypolicies.${ai}`, '--subresource=status', '-n', other],
    ['create', 'events', '-n', other],
    ['get', 'leases.coordination.k8s.io/switchyard', '-n', ns], ['update', 'leases.coordination.k8s.io/switchyard', '-n', ns],
    ['create', 'leases.coordination.k8s.io', '-n', ns],
  ];
  const denied = [
    ['list', 'secrets', '-A'], ['list', 'secrets', '-n', ns], ['list', 'configmaps', '-n', ns],
    ['create', 'secrets', '-n', ns], ['update', 'secrets/sa', '-n', ns], ['delete', 'secrets/sa', '-n', ns],
    ...['create', 'update', 'patch', 'delete'].map((v) => [v, `aigatewayroutes.${ai}`, '-n', ns]),
    ['update', `aigatewayroutes.${ai}`, '--subresource=status', '-n', ns],
    ['create', `aiservicebackends.${ai}`, '-n', ns], ['delete', 'backends.gateway.envoyproxy.io', '-n', ns],
    ['patch', 'backendtrafficpolicies.gateway.envoyproxy.io', '--subresource=status', '-n', ns],
    ['patch', 'leases.coordination.k8s.io/switchyard', '-n', ns], ['delete', 'leases.coordination.k8s.io/switchyard', '-n', ns],
    ['get', 'leases.coordination.k8s.io/other', '-n', ns], ['update', 'leases.coordination.k8s.io/other', '-n', ns],
    ['list', 'leases.coordination.k8s.io', '-n', ns],
    ['get', 'leases.coordination.k8s.io/switchyard', '-n', other], ['update', 'leases.coordination.k8s.io/switchyard', '-n', other],
    ['patch', 'leases.coordination.k8s.io/switchyard', '-n', other], ['create', 'leases.coordination.k8s.io', '-n', other],
    ['patch', 'events', '-n', other], ['create', 'events.events.k8s.io', '-n', other],
    ['get', 'pods', '-n', ns], ['list', 'pods', '-A'], ['create', 'pods', '-n', ns], ['list', 'namespaces'], ['get', 'nodes'],
    ['create', 'serviceaccounts', '--subresource=token', '-n', ns], ['impersonate', 'users'], ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
    ['bind', 'clusterroles.rbac.authorization.k8s.io'], ['escalate', 'clusterroles.rbac.authorization.k8s.io'],
    ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', ns],
  ];
  const canI = async (q) => {
    const out = await kubectl(['auth', 'can-i', ...q], { kubeconfig: gatewayKubeconfig, check: false });
    return typeof out === 'string' ? out : out.stdout;
  };
  const answers = await Promise.all([...allowed, ...denied].map(canI));
  const wrong = [...allowed, ...denied].map((q, i) => [q.join(' '), answers[i], i < allowed.length ? 'yes' : 'no'])
    .filter(([, got, want]) => got !== want);
  assert.deepEqual(wrong, [], 'answers that differ from the table: [query, got, wanted]');

  // The gateway ran on exactly this role all along: no request of its was refused, it holds the
  // Lease, its status writes landed, and a rejected change gets its Event.
  const starting = (e) => restartWindow.down && new Date(e.requestReceivedTimestamp) >= restartWindow.down
    && new Date(e.requestReceivedTimestamp) <= restartWindow.up;
  const refused = (await api.auditEvents()).filter((e) => e.user?.username === sa && e.responseStatus?.code === 403);
  console.log(`# requests of the gateway refused (403) while the API server was starting: ${refused.filter(starting).length}`);
  const forbidden = refused.filter((e) => !starting(e));
  assert.deepEqual(forbidden.map((e) => `${e.requestReceivedTimestamp} ${e.verb} ${e.requestURI}`), []);
  const lease = JSON.parse(await api.kubectl(['-n', ns, 'get', 'lease', 'switchyard', '-o', 'json']));
  assert.ok(lease.spec.holderIdentity, 'the gateway holds the Lease');
  const accepted = async () => {
    const route = JSON.parse(await api.kubectl(['-n', ns, 'get', 'aigatewayroute', retryModel, '-o', 'json']));
    return route.status?.conditions?.find((c) => c.type === 'Accepted');
  };
  assert.equal((await until('Accepted on the route', accepted)).status, 'True');
  await api.kubectl(['-n', ns, 'patch', 'aigatewayroute', retryModel, '--type=json', '-p', JSON.stringify([
    { op: 'add', path: '/spec/rules/0/matches/-', value: { headers: [{ type: 'RegularExpression', name: 'x-ai-eg-model', value: '([' }] } }])]);
  await until('Accepted=False on the route', async () => (await accepted())?.status === 'False');
  const events = await until('a ConfigurationRejected Event', async () => {
    const list = JSON.parse(await api.kubectl(['-n', ns, 'get', 'events', '-o', 'json'])).items;
    return list.filter((e) => e.reason === 'ConfigurationRejected' && e.involvedObject.name === retryModel).length > 0 && list;
  });
  assert.ok(events.length > 0);
  await api.kubectl(['-n', ns, 'patch', 'aigatewayroute', retryModel, '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/rules/0/matches/1' }])]);
  await until('Accepted=True again', async () => (await accepted())?.status === 'True');
  assert.equal((await ask(retryModel)).model, 'gemini-retry');
});

test('Secrets: the shipped role lets any watch through; the README\'s per-installation role admits only the named one, and the gateway runs on it', { skip }, async () => {
  // RBAC sees a watch filtered by metadata.name and an unfiltered one as the same verb: with the
  // shipped ClusterRole an unfiltered watch returns every Secret (deploy/kubernetes/README.md).
  const raw = (kubeconfig, uri) => kubectl(['get', '--raw', uri], { kubeconfig, check: false });
  const everySecret = await raw(gatewayKubeconfig, `/api/v1/namespaces/${ns}/secrets?watch=1&timeoutSeconds=1`);
  assert.equal(typeof everySecret, 'string', 'the shipped role allows an unfiltered watch');
  assert.match(everySecret, /"name":"sa"/);

  // The README's tightening: secrets out of the ClusterRole, a Role naming the one Secret in its namespace.
  const shipped = (await renderBase(api, dir, ns)).find((d) => d.kind === 'ClusterRole');
  const narrow = structuredClone(shipped);
  narrow.metadata.name = 'switchyard-narrow';
  for (const rule of narrow.rules) rule.resources = rule.resources.filter((r) => r !== 'secrets');
  const binding = (kind, name, roleKind, namespace) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects: [{ kind: 'ServiceAccount', name: 'narrow', namespace: ns }],
  });
  await api.kubectl(['apply', '-f', '-'], {
    input: listOf([
      narrow,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'narrow', namespace: ns } },
      binding('ClusterRoleBinding', 'switchyard-narrow', 'ClusterRole'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'switchyard-secrets', namespace: ns },
        rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['sa'], verbs: ['get', 'watch'] }],
      },
      binding('RoleBinding', 'switchyard-secrets', 'Role', ns),
    ]),
  });
  const narrowKubeconfig = await serviceAccountKubeconfig(api, path.join(dir, 'narrow.kubeconfig'), ns, 'narrow');
  const unfiltered = await raw(narrowKubeconfig, `/api/v1/namespaces/${ns}/secrets?watch=1&timeoutSeconds=1`);
  assert.ok(unfiltered.failed && /forbidden/i.test(unfiltered.stderr), 'an unfiltered watch is denied');
  const named = await raw(narrowKubeconfig, `/api/v1/namespaces/${ns}/secrets?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dsa`);
  assert.equal(typeof named, 'string', `the watch filtered to the named Secret is allowed: ${named.stderr}`);
  assert.match(named, /"name":"sa"/);

  // A second gateway on the narrow role: ready, serving, with its credential read.
  const second = await startKubeGateway({ kubeconfig: narrowKubeconfig, args: ['--namespace', ns], env: { SSL_CERT_FILE: emulator.trustBundle } });
  try {
    const res = await second.client.chat.completions.create({ model: retryModel, messages: [{ role: 'user', content: 'narrow' }] });
    assert.equal(res.model, 'gemini-retry');
    assert.deepEqual(logLines(/answered 403/, second).map((j) => j.msg), []);
  } finally {
    await second.stop();
  }
});

// Kinds and fields of deploy/kubernetes that kube-apiserver 1.20 predates, and how each is
// validated there instead: the same object in the older version 1.20 serves, without the field.
const olderThan120 = [
  { kind: 'HorizontalPodAutoscaler', from: 'autoscaling/v2', to: 'autoscaling/v2beta2', drop: [], why: 'autoscaling/v2 is served from 1.23; v2beta2 has the same fields' },
  { kind: 'PodDisruptionBudget', from: 'policy/v1', to: 'policy/v1beta1', drop: [['spec', 'unhealthyPodEvictionPolicy']], why: 'policy/v1 is served from 1.21, unhealthyPodEvictionPolicy from 1.26' },
  { kind: 'Deployment', from: 'apps/v1', to: 'apps/v1', drop: [['spec', 'template', 'spec', 'containers', 0, 'lifecycle', 'preStop', 'sleep']], why: 'the sleep action of lifecycle hooks is from 1.29' },
];

function asOn120(doc) {
  const rule = olderThan120.find((r) => r.kind === doc.kind && r.from === doc.apiVersion);
  if (!rule) return doc;
  const copy = structuredClone(doc);
  copy.apiVersion = rule.to;
  for (const fieldPath of rule.drop) {
    const parent = fieldPath.slice(0, -1).reduce((o, k) => o?.[k], copy);
    assert.ok(parent && fieldPath.at(-1) in parent, `${doc.kind} ${doc.metadata.name} has ${fieldPath.join('.')}`);
    delete parent[fieldPath.at(-1)];
    // A hook left with no action is itself invalid: drop the emptied parents.
    for (let depth = fieldPath.length - 1; depth > 0; depth--) {
      const holder = fieldPath.slice(0, depth - 1).reduce((o, k) => o?.[k], copy);
      const key = fieldPath[depth - 1];
      if (holder && typeof holder[key] === 'object' && !Array.isArray(holder[key]) && Object.keys(holder[key]).length === 0) delete holder[key];
    }
  }
  return copy;
}

// `kubectl apply --dry-run=server` of these objects in `namespace`; resolves the kubectl result.
const dryRun = (docs, namespace) => api.kubectl(['apply', '--dry-run=server', '-n', namespace, '-f', '-'], { input: listOf(docs), check: false });

test('every document kustomize renders from deploy/kubernetes passes a server-side dry-run, and so do the example CRs', { skip }, async () => {
  const all = Object.values(crds);
  await installCrds(api, dir, all);  // the ones the earlier tests left out too

  const targets = [
    { name: 'base', docs: yamlDocuments(await api.kubectl(['kustomize', path.join(repoDir, 'deploy/kubernetes/base')])), ns: 'sy-dry-run' },
    { name: 'overlay', docs: yamlDocuments(await api.kubectl(['kustomize', path.join(repoDir, 'deploy/kubernetes/overlays/envoy-ai-gateway-system')])), ns: 'envoy-ai-gateway-system' },
  ];
  await api.kubectl(['create', 'namespace', 'sy-dry-run']);
  for (const { name, docs, ns: namespace } of targets) {
    // The overlay's Namespace first, alone (its objects need it to exist), then for real.
    const namespaceDoc = docs.find((d) => d.kind === 'Namespace');
    if (namespaceDoc) {
      const out = await dryRun([namespaceDoc], namespace);
      assert.equal(typeof out, 'string', `${name}: the Namespace: ${out.stderr}`);
      await api.kubectl(['apply', '-f', '-'], { input: JSON.stringify(namespaceDoc) });
    }
    const rest = docs.filter((d) => d !== namespaceDoc);

    // As rendered, 1.20 refuses exactly what it predates: the kinds' versions, the hook's sleep.
    for (const rule of olderThan120) {
      const doc = rest.find((d) => d.kind === rule.kind);
      assert.ok(doc, `${name} renders a ${rule.kind}`);
      const out = await dryRun([doc], namespace);
      assert.ok(out.failed, `${name}: 1.20 accepts ${rule.kind} ${rule.from} as rendered; no conversion needed (${rule.why})`);
      if (rule.from === rule.to) {
        const unknown = [...out.stderr.matchAll(/unknown field "([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(unknown, rule.drop.map((p) => p.at(-1)), `${name}: ${rule.kind}: ${out.stderr}`);
      } else {
        assert.match(out.stderr, new RegExp(`no matches for kind "${rule.kind}" in version "${rule.from}"`));
      }
    }

    const converted = rest.map(asOn120);
    const out = await dryRun(converted, namespace);
    assert.equal(typeof out, 'string', `${name}: ${out.stderr}`);
    const created = out.split('\n').filter((l) => /\((server dry run)\)$/.test(l));
    assert.equal(created.length, rest.length, `${name}: one dry-run result per document:\n${out}`);
    console.log(`# ${name}: ${rest.length + (namespaceDoc ? 1 : 0)} documents pass a server-side dry-run on 1.20 (converted: ${olderThan120.map((r) => r.kind).join(', ')})`);
  }

  // The validation is real: an unknown field in a built-in kind is refused.
  const deployment = structuredClone(asOn120(targets[0].docs.find((d) => d.kind === 'Deployment')));
  deployment.spec.template.spec.containers[0].readinessProbe.httpGet.portt = 9901;
  const bad = await dryRun([deployment], 'sy-dry-run');
  assert.ok(bad.failed && /unknown field "portt"/.test(bad.stderr), `an unknown field is refused: ${JSON.stringify(bad)}`);

  // The example CRs (the guide's manifests) against the installed CRDs.
  for (const file of ['basic.yaml', 'gcp_vertex.yaml', 'gcp_vertex_broken.yaml', 'backend-tls-policy.yaml']) {
    const res = await api.kubectl(['apply', '--dry-run=server', '-f', path.join(repoDir, 'examples/gcp-vertex', file)], { check: false });
    assert.equal(typeof res, 'string', `examples/gcp-vertex/${file}: ${res.stderr}`);
    assert.ok(res.split('\n').every((l) => l.endsWith('(server dry run)')), res);
  }
  const wrongType = await api.kubectl(['apply', '--dry-run=server', '-f', '-'], {
    check: false,
    input: JSON.stringify({
      apiVersion: 'aigateway.envoyproxy.io/v1beta1', kind: 'AIGatewayRoute', metadata: { name: 'bad', namespace: ns },
      spec: { rules: [{ backendRefs: [{ name: 'a', priority: 'high' }] }] },
    }),
  });
  assert.ok(wrongType.failed && /priority/.test(wrongType.stderr), `a CR of the wrong type is refused: ${JSON.stringify(wrongType)}`);
});
