// A real Kubernetes API server for end-to-end tests (scripts/kube-apiserver.sh: v1.20.2 built from
// Debian's source package, etcd on loopback) and what a test needs around it: kubectl, the shipped
// CRDs and RBAC, and a kubeconfig with a real ServiceAccount token.
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoDir, writeFile } from './harness.mjs';

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
 * Resolves { dir, kubeconfig, kubectl(args, opts), etcdEndpoint, etcdctl(args), auditEvents(),
 *            down({ keepEtcd }), up() }.
 */
export async function startApiServer(dir) {
  const kas = async (...args) => (await execFileAsync(kasScript, args, { timeout: 120000 })).stderr;
  // Registered before the harness's exit handler, which removes the temp folder with the PIDs.
  process.on('exit', () => spawnSync(kasScript, ['down', dir], { stdio: 'ignore' }));
  await kas('up', dir);
  const ports = Object.fromEntries((await readFile(path.join(dir, 'ports'), 'utf8')).trim().split(/\s+/).map((kv) => kv.split('=')));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const etcdEndpoint = `http://127.0.0.1:${ports.EC}`;
  return {
    dir,
    kubeconfig,
    etcdEndpoint,
    kubectl: (args, opts = {}) => kubectl(args, { kubeconfig, ...opts }),
    etcdctl: async (args) => (await execFileAsync('etcdctl', [`--endpoints=${etcdEndpoint}`, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30000 })).stdout.trim(),
    /** The audit log (level Metadata) so far, one object per request. */
    auditEvents: async () => (await readFile(path.join(dir, 'audit.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)),
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
 * A kubeconfig for the API server that authenticates with a fresh token of ServiceAccount `sa` in
 * `ns` (TokenRequest, 2 h), its context in namespace `ns` (the gateway's own namespace, where its
 * Lease is), written to `file`.
 */
export async function serviceAccountKubeconfig(api, file, ns, sa) {
  const token = await api.kubectl(['-n', ns, 'create', 'token', sa, '--duration=2h']);
  const admin = await readFile(api.kubeconfig, 'utf8');
  return writeFile(file, admin.replace(/token: .*/, `token: ${token}`).replace(/name: admin/g, `name: ${sa}`)
    .replace(/context: \{cluster: kas, user: admin\}/, `context: {cluster: kas, user: ${sa}, namespace: ${ns}}`));
}
