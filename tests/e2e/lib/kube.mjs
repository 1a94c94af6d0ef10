// A real Kubernetes API server for end-to-end tests (scripts/kube-apiserver.sh: v1.20.2 built from
// Debian's source package, etcd on loopback) and what a test needs around it: kubectl, the shipped
// CRDs and RBAC, a kubeconfig with a real ServiceAccount token, the emulator as cluster objects,
// `switchyard run --kubernetes` ready to serve, and requests in a loop.
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { closedPort, repoDir, startEmulator, startGateway, writeFile } from './harness.mjs';
import { vertexBackend } from './manifests.mjs';

const execFileAsync = promisify(execFile);
export const kasScript = path.join(repoDir, 'scripts/kube-apiserver.sh');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 50 ms until it returns something truthy (an exception counts as no). */
export async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Builds the API server once per machine (cached; instant when cached, about 5 minutes cold).
 * Returns false when it is there, else the reason to skip, which it also prints.
 */
export function apiServerSkipReason(testName) {
  const built = spawnSync(kasScript, ['build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 40 * 60 * 1000 });
  if (built.status === 0) return false;
  const reason = `the Kubernetes API server could not be built (scripts/kube-apiserver.sh build exited ${built.status ?? built.signal}):\n${(built.stderr ?? '').split('\n').slice(-15).join('\n')}`;
  console.log(`# SKIP ${testName}: ${reason}`);
  return reason;
}

/**
 * kubectl with `kubeconfig`. Resolves stdout (trimmed); with `check: false` a failure resolves
 * { failed: true, stdout, stderr } instead of throwing. `input` is written to its stdin.
 */
export async function kubectl(args, { kubeconfig, check = true, input } = {}) {
  const run = execFileAsync('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60000, maxBuffer: 64 << 20 });
  if (input !== undefined) run.child.stdin.end(input);
  try {
    const { stdout } = await run;
    return stdout.trim();
  } catch (err) {
    if (!check) return { failed: true, stdout: (err.stdout ?? '').trim(), stderr: (err.stderr ?? '').trim() };
    throw new Error(`kubectl ${args.join(' ')}: ${err.stderr || err.message}`);
  }
}

/** The YAML documents of `text` as objects (empty documents left out), parsed by python3-yaml. */
export function yamlDocuments(text) {
  const res = spawnSync('python3', ['-c', 'import json, sys, yaml\njson.dump([d for d in yaml.safe_load_all(sys.stdin) if d], sys.stdout)'],
    { input: text, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.status !== 0) throw new Error(`python3-yaml could not parse the documents: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** A JSON List of `items`, the form kubectl -f takes for many objects at once. */
export const listOf = (items) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/**
 * Starts etcd and the API server in `dir` and stops both when the process exits, however it exits.
 * Resolves { dir, kubeconfig, kubectl(args, opts), etcdEndpoint, etcdctl(args), auditMark(),
 *            auditEvents(mark), down({ keepEtcd }), up() }.
 */
export async function startApiServer(dir) {
  const kas = async (...args) => (await execFileAsync(kasScript, args, { timeout: 120000 })).stderr;
  // Registered before the harness's exit handler, which removes the temp folder with the PIDs.
  process.on('exit', () => spawnSync(kasScript, ['down', dir], { stdio: 'ignore' }));
  await kas('up', dir);
  const ports = Object.fromEntries((await readFile(path.join(dir, 'ports'), 'utf8')).trim().split(/\s+/).map((kv) => kv.split('=')));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const etcdEndpoint = `http://127.0.0.1:${ports.EC}`;
  const auditLines = async () => (await readFile(path.join(dir, 'audit.log'), 'utf8')).split('\n').filter(Boolean);
  return {
    dir,
    kubeconfig,
    etcdEndpoint,
    kubectl: (args, opts = {}) => kubectl(args, { kubeconfig, ...opts }),
    etcdctl: async (args) => (await execFileAsync('etcdctl', [`--endpoints=${etcdEndpoint}`, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30000 })).stdout.trim(),
    /** Where the audit log ends now, for auditEvents(mark). */
    auditMark: async () => (await auditLines()).length,
    /** The audit log (level Metadata) after `mark` (all of it when 0), one object per event. */
    auditEvents: async (mark = 0) => (await auditLines()).slice(mark).map((l) => JSON.parse(l)),
    down: ({ keepEtcd = false } = {}) => kas('down', dir, ...(keepEtcd ? ['--keep-etcd'] : [])),
    up: () => kas('up', dir),
  };
}

/**
 * Applies the CRDs of deploy/crds but those named in `except` (metadata.name, e.g.
 * "backendtrafficpolicies.gateway.envoyproxy.io"), and waits until they are established. Returns the
 * rendered CRDs, all of them, by name.
 *
 * This API server build (vendored json-iterator on Debian's reflect2 1.0.2) turns "" in a custom
 * resource into null, so `group: ""` (the core group) fails the schema: `group` is dropped from
 * BackendTLSPolicy's caCertificateRefs' required fields here (the gateway reads a missing group as
 * the core group).
 */
export async function applyCrds(api, workDir, { except = [] } = {}) {
  const crds = yamlDocuments(await api.kubectl(['kustomize', path.join(repoDir, 'deploy/crds')]));
  const byName = Object.fromEntries(crds.map((c) => [c.metadata.name, c]));
  for (const v of byName['backendtlspolicies.gateway.networking.k8s.io'].spec.versions) {
    const refs = v.schema.openAPIV3Schema.properties.spec.properties.validation.properties.caCertificateRefs.items;
    refs.required = refs.required.filter((f) => f !== 'group');
  }
  const wanted = crds.filter((c) => !except.includes(c.metadata.name));
  await installCrds(api, workDir, wanted);
  return byName;
}

/** Applies these CRDs and waits until each is established. */
export async function installCrds(api, workDir, crds) {
  const file = await writeFile(path.join(workDir, `crds-${Date.now()}.json`), listOf(crds));
  await api.kubectl(['apply', '-f', file]);
  await api.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...crds.map((c) => `crd/${c.metadata.name}`)]);
}

/**
 * The base kustomization rendered into namespace `ns` (as an overlay that only sets the namespace
 * would), as objects.
 */
export async function renderBase(api, workDir, ns) {
  const overlay = path.join(workDir, `overlay-${ns}`);
  await writeFile(path.join(overlay, 'kustomization.yaml'),
    `namespace: ${ns}\nresources: [${path.relative(overlay, path.join(repoDir, 'deploy/kubernetes/base'))}]\n`);
  return yamlDocuments(await api.kubectl(['kustomize', overlay]));
}

const rbacKinds = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** Applies the base's ServiceAccount and RBAC in `ns`; returns those objects. */
export async function installShippedRbac(api, workDir, ns) {
  const docs = (await renderBase(api, workDir, ns)).filter((d) => rbacKinds.has(d.kind));
  await api.kubectl(['apply', '-f', await writeFile(path.join(workDir, `rbac-${ns}.json`), listOf(docs))]);
  return docs;
}

/**
 * A kubeconfig for the API server (the admin's cluster and CA) that authenticates with a fresh token
 * of ServiceAccount `sa` in `ns` (TokenRequest, 2 h), bound to the Pod `pod` when given (as the
 * kubelet projects one), written to `file`. Its context's namespace is `ns`: outside a cluster, the
 * gateway's own namespace, where its Lease and the shipped leader-election Role are.
 */
export async function serviceAccountKubeconfig(api, file, ns, sa, { pod } = {}) {
  const bound = pod ? ['--bound-object-kind=Pod', `--bound-object-name=${pod}`] : [];
  const token = await api.kubectl(['-n', ns, 'create', 'token', sa, ...bound, '--duration=2h']);
  const config = JSON.parse(await api.kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']));
  const user = pod ?? sa;
  const { cluster } = config.contexts[0].context;
  config.users = [{ name: user, user: { token } }];
  config.contexts = [{ name: user, context: { cluster, user, namespace: ns } }];
  config['current-context'] = user;
  return writeFile(file, JSON.stringify(config, null, 2));
}

/**
 * What both Kubernetes test files start from: an API server in `dir`/kas, the CRDs of deploy/crds
 * (but those named in `exceptCrds`), namespace `ns` with the shipped ServiceAccount and RBAC, and a
 * kubeconfig of that ServiceAccount (`dir`/gateway.kubeconfig, context namespace `ns`).
 * Resolves { api, crds (all, by name), rbac (the objects applied), kubeconfig }.
 */
export async function startCluster(dir, ns, { exceptCrds = [] } = {}) {
  const t0 = performance.now();
  const api = await startApiServer(path.join(dir, 'kas'));
  console.log(`# API server up in ${Math.round(performance.now() - t0)} ms`);
  const crds = await applyCrds(api, dir, { except: exceptCrds });
  await api.kubectl(['create', 'namespace', ns]);
  const rbac = await installShippedRbac(api, dir, ns);
  const kubeconfig = await serviceAccountKubeconfig(api, path.join(dir, 'gateway.kubeconfig'), ns, 'switchyard');
  return { api, crds, rbac, kubeconfig };
}

/** The Secret `sa` in `ns` holding a Google service-account key (JSON text), as the policy reads it. */
export function keySecret(serviceAccountJson, ns) {
  return `apiVersion: v1
kind: Secret
metadata: {name: sa, namespace: ${ns}}
stringData: {service_account.json: ${JSON.stringify(serviceAccountJson)}}
`;
}

/**
 * The emulator as objects in `ns`: its CA (ConfigMap emu-ca), its key (Secret sa), a Vertex
 * backend on it for each name in `backends` and one, `broken`, on `refusedPort` (nothing listens),
 * all under one GCPCredentials policy; and an AIGatewayRoute per model of `routes`, whose refs
 * ({ name, model, priority }) are listed in order (tests patch them by index).
 */
export function emulatorObjects(emulator, { ns, refusedPort, backends, routes }) {
  const names = ['broken', ...backends];
  const ref = (r) => `{name: ${r.name}, modelNameOverride: ${r.model}${r.priority === undefined ? '' : `, priority: ${r.priority}`}}`;
  return [
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: emu-ca, namespace: ${ns}}\ndata: {ca.crt: ${JSON.stringify(emulator.caPem)}}\n`,
    keySecret(emulator.serviceAccountJson, ns),
    `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [${names.map((n) => `{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${n}}`).join(', ')}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
`,
    vertexBackend('broken', { port: refusedPort, ca: 'emu-ca' }).replace(/^\n---\n/, ''),
    ...backends.map((n) => vertexBackend(n, { port: emulator.port, ca: 'emu-ca' }).replace(/^\n---\n/, '')),
    ...Object.entries(routes).map(([model, refs]) => `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${model}}
spec:
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs:
${refs.map((r) => `        - ${ref(r)}`).join('\n')}
`),
  ].join('\n---\n');
}

/**
 * `switchyard run --kubernetes --kubeconfig kubeconfig ...args`, ready once /readyz is 200 (its
 * first sync loaded). Resolves the startGateway() handle plus an OpenAI `client` for it.
 */
export async function startKubeGateway({ kubeconfig, args = [], env = {} }) {
  const gateway = await startGateway({ args: ['--kubernetes', '--kubeconfig', kubeconfig, ...args], env });
  await until('/readyz 200', async () => (await fetch(`${gateway.adminUrl}/readyz`)).status === 200, 15000)
    .catch(async (err) => {
      await gateway.stop();
      throw new Error(`${err.message}\n${gateway.process.output()}`);
    });
  return { ...gateway, client: new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 }) };
}

/**
 * An emulator in `dir`, its objects (emulatorObjects()) applied in `ns`, and a gateway on
 * `kubeconfig` watching `ns` that trusts the emulator's CA. Resolves { emulator, gateway }.
 */
export async function startEmulatorGateway(api, dir, { ns, kubeconfig, backends, routes }) {
  const emulator = await startEmulator({ dir });
  const objects = emulatorObjects(emulator, { ns, refusedPort: await closedPort(), backends, routes });
  await api.kubectl(['-n', ns, 'apply', '-f', await writeFile(path.join(dir, 'routes.yaml'), objects)]);
  const t0 = performance.now();
  const gateway = await startKubeGateway({ kubeconfig, args: ['--namespace', ns], env: { SSL_CERT_FILE: emulator.trustBundle } });
  console.log(`# gateway ready (first sync loaded) in ${Math.round(performance.now() - t0)} ms`);
  return { emulator, gateway };
}

/** Stops, in order, what is there of these gateways, emulators and API servers (an error in down() ignored). */
export async function stopAll(...handles) {
  for (const h of handles.filter(Boolean)) await (h.down ? h.down().catch(() => {}) : h.stop());
}

/**
 * Requests for `model` in a loop through `client` from `workers` concurrent callers; each result is
 * { at, model } or { at, error }.
 */
export function requestLoop(client, model, workers = 2) {
  const results = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, i) => {
    while (running) {
      try {
        const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: `load ${i}` }] });
        results.push({ at: performance.now(), model: res.model });
      } catch (error) {
        results.push({ at: performance.now(), error: `${error.status ?? ''} ${error.message}` });
      }
    }
  });
  return {
    results,
    failures: () => results.filter((r) => r.error),
    // The first answer from `wanted` recorded after results[from].
    firstFrom: (from, wanted) => results.slice(from).find((r) => r.model === wanted),
    stop: async () => { running = false; await Promise.all(loops); },
  };
}
