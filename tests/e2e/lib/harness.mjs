// Shared harness for the end-to-end tests: runs `switchyard` subcommands on free ports, waits until
// they are ready, talks to them over real TLS, and cleans up (processes and temp folders) on exit.
//
//   SWITCHYARD_BIN   the binary (default: <repo>/build/switchyard)
//
// Everything here is plain Node 20 (node:child_process, node:https); no test depends on another.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, writeFile as fsWriteFile, readFile } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const e2eDir = path.resolve(here, '..');
export const repoDir = path.resolve(e2eDir, '../..');

/** The switchyard binary under test. */
export function binPath() {
  return process.env.SWITCHYARD_BIN ? path.resolve(process.env.SWITCHYARD_BIN) : path.join(repoDir, 'build/switchyard');
}

// ---------------------------------------------------------------------------------------------
// Cleanup: children are killed and temp folders removed when the test process exits, however it
// exits.
const children = new Set();
const tempDirs = new Set();
let cleanupInstalled = false;
function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const cleanup = () => {
    for (const child of children) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
    if (!process.env.SWITCHYARD_KEEP_TMP) {
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    }
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => { cleanup(); process.exit(130); });
  }
}

/** A fresh temp folder, removed at exit (kept when SWITCHYARD_KEEP_TMP is set). */
export async function makeTempDir(prefix = 'switchyard-e2e-') {
  installCleanup();
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Writes `text`, creating parent folders. */
export async function writeFile(file, text, mode) {
  await mkdir(path.dirname(file), { recursive: true });
  await fsWriteFile(file, text, mode === undefined ? undefined : { mode });
  return file;
}

// ---------------------------------------------------------------------------------------------
// Processes.

/**
 * Spawns `switchyard <args>` and resolves once `ready(line, stream)` returns something other than
 * undefined for a line of its stdout or stderr ('stdout' | 'stderr'); that value is `ready` on the
 * result. Rejects if the process exits first or `timeoutMs` passes, with its output in the message.
 *
 * `shell`, if given, is shell code run first (`ulimit -Sn 64`); the binary then replaces the shell,
 * so child.pid is switchyard's. `readStdout: false` leaves stdout unread: a reader that is stuck.
 *
 * Returns { child, ready, stdoutLines, stderrLines, output(), waitForLine(pred, ms), stop(), exited }.
 */
export function spawnSwitchyard(args, { env = {}, ready, timeoutMs = 15000, cwd, shell, readStdout = true } = {}) {
  installCleanup();
  const bin = binPath();
  if (!existsSync(bin)) throw new Error(`switchyard binary not found at ${bin} (set SWITCHYARD_BIN)`);
  const options = { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] };
  const child = shell
    ? spawn('/bin/sh', ['-c', `${shell}; exec "$0" "$@"`, bin, ...args], options)
    : spawn(bin, args, options);
  children.add(child);
  const stdoutLines = [];
  const stderrLines = [];
  const waiters = new Set();
  let exitInfo;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      exitInfo = { code, signal };
      for (const w of waiters) w.onExit();
      resolve(exitInfo);
    });
  });
  const output = () => `--- stdout\n${stdoutLines.join('\n')}\n--- stderr\n${stderrLines.join('\n')}`;

  const attach = (stream, lines, name) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        lines.push(line);
        for (const w of waiters) w.onLine(line, name);
      }
    });
  };
  if (readStdout) attach(child.stdout, stdoutLines, 'stdout');
  else child.on('exit', () => child.stdout.destroy());  // unread data would keep the pipe open
  attach(child.stderr, stderrLines, 'stderr');

  /** Resolves with pred(line, stream)'s first non-undefined value, for lines seen so far or later. */
  const waitForLine = (pred, ms = timeoutMs) => new Promise((resolve, reject) => {
    for (const line of stdoutLines) { const v = pred(line, 'stdout'); if (v !== undefined) return resolve(v); }
    for (const line of stderrLines) { const v = pred(line, 'stderr'); if (v !== undefined) return resolve(v); }
    const waiter = {
      onLine(line, name) {
        const v = pred(line, name);
        if (v !== undefined) { done(); resolve(v); }
      },
      onExit() { done(); reject(new Error(`switchyard ${args[0]} exited (${JSON.stringify(exitInfo)}) before the expected line\n${output()}`)); },
    };
    const timer = setTimeout(() => { done(); reject(new Error(`switchyard ${args[0]}: no expected line within ${ms} ms\n${output()}`)); }, ms);
    const done = () => { clearTimeout(timer); waiters.delete(waiter); };
    if (exitInfo) return waiter.onExit();
    waiters.add(waiter);
  });

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with { code, signal }. */
  const stop = async (graceMs = 5000) => {
    if (exitInfo) return exitInfo;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };

  const handle = { child, stdoutLines, stderrLines, output, waitForLine, stop, exited };
  if (!ready) return Promise.resolve({ ...handle, ready: undefined });
  return waitForLine(ready).then((value) => ({ ...handle, ready: value }), async (err) => {
    await stop(1000);
    throw err;
  });
}

/** Parses a line as JSON, or undefined. */
export function jsonLine(line) {
  if (!line.startsWith('{')) return undefined;
  try { return JSON.parse(line); } catch { return undefined; }
}

// ---------------------------------------------------------------------------------------------
// HTTP.

/**
 * One HTTP(S) request. `ca` (PEM) is trusted in addition to nothing else, as a client pinned to a
 * private CA would. Resolves { status, headers, body (string), json() } — never rejects on a status.
 * With `raw: true` the body is a Buffer.
 */
export function request(url, { method = 'GET', headers = {}, body, ca, timeoutMs = 15000, raw = false } = {}) {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  const payload = body === undefined ? undefined : (typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  const allHeaders = { ...headers };
  if (payload !== undefined && !Object.keys(allHeaders).some((h) => h.toLowerCase() === 'content-type')) {
    allHeaders['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method, headers: allHeaders, ca, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        const text = buffer.toString('utf8');
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: raw ? buffer : text,
          json: () => JSON.parse(text),
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Splits an SSE body into the data payloads of its events (any of CRLF, LF, CR line ends). */
export function sseData(text) {
  const events = [];
  let data = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) events.push(data.join('\n'));
      data = [];
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
    }
  }
  if (data.length) events.push(data.join('\n'));
  return events;
}

// ---------------------------------------------------------------------------------------------
// Certificates.

/** A throwaway self-signed CA made with the openssl CLI; returns its certificate PEM. */
export async function makeSelfSignedCa(dir, name = 'ca') {
  const key = path.join(dir, `${name}-key.pem`);
  const cert = path.join(dir, `${name}-cert.pem`);
  await mkdir(dir, { recursive: true });
  const res = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', `/CN=${name} test CA`, '-keyout', key, '-out', cert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`openssl req failed: ${res.stderr}`);
  return readFile(cert, 'utf8');
}

/** The system CA bundle plus `extraPem`, written to `file`: a value for SSL_CERT_FILE. */
export async function writeTrustBundle(file, extraPem) {
  let system = '';
  for (const candidate of ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt']) {
    if (existsSync(candidate)) { system = await readFile(candidate, 'utf8'); break; }
  }
  return writeFile(file, `${system}\n${extraPem}`);
}

// ---------------------------------------------------------------------------------------------
// The emulator.

/**
 * Starts `switchyard emulate` on a free port, TLS with its own CA by default, and writes its CA, its
 * service-account key and a trust bundle (system CAs + its CA) into `dir`.
 *
 * Resolves {
 *   url, port, tokenUri, caPem, caFile, keyFile, serviceAccountJson, serviceAccount, trustBundle,
 *   request(path, init)      HTTPS to the emulator, trusting its CA
 *   stats()                  GET /emulator/stats as an object
 *   resetStats()
 *   addFault({ model, endpoint, fault, count })   POST /emulator/faults
 *   clearFaults()                                 DELETE /emulator/faults
 *   token()                  a fresh access token via a JWT-bearer grant signed with the key
 *   process                  the spawnSwitchyard() handle
 *   stop()
 * }
 */
export async function startEmulator({ dir, tls = true, args = [], env = {} } = {}) {
  dir ??= await makeTempDir();
  const emuDir = path.join(dir, `emulator-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(emuDir, { recursive: true });
  const caFile = path.join(emuDir, 'ca.pem');
  const keyFile = path.join(emuDir, 'service-account.json');
  const fullArgs = ['emulate', '--listen', '127.0.0.1:0', '--write-key', keyFile,
    ...(tls ? ['--tls-auto', '--write-ca', caFile] : []), ...args];
  const proc = await spawnSwitchyard(fullArgs, {
    env,
    ready: (line, stream) => {
      const j = stream === 'stdout' ? jsonLine(line) : undefined;
      return j && j.msg === 'emulator listening' ? j : undefined;
    },
  });
  const info = proc.ready;
  const caPem = tls ? await readFile(caFile, 'utf8') : '';
  const serviceAccountJson = await readFile(keyFile, 'utf8');
  const trustBundle = tls ? await writeTrustBundle(path.join(emuDir, 'trust-bundle.pem'), caPem) : undefined;
  const call = (p, init = {}) => request(new URL(p, info.url).toString(), { ca: caPem || undefined, ...init });
  const checked = async (p, init) => {
    const res = await call(p, init);
    if (res.status !== 200) throw new Error(`${init?.method ?? 'GET'} ${p}: ${res.status} ${res.body}`);
    return res.json();
  };
  return {
    url: info.url,
    port: info.port,
    tokenUri: info.token_uri,
    caPem,
    caFile: tls ? caFile : undefined,
    keyFile,
    serviceAccountJson,
    serviceAccount: JSON.parse(serviceAccountJson),
    trustBundle,
    process: proc,
    request: call,
    stats: () => checked('/emulator/stats'),
    resetStats: () => checked('/emulator/stats', { method: 'DELETE' }),
    addFault: ({ model, endpoint, fault = {}, count } = {}) =>
      checked('/emulator/faults', { method: 'POST', body: { model, endpoint, fault, count } }),
    clearFaults: () => checked('/emulator/faults', { method: 'DELETE' }),
    token: async () => {
      const { signAssertion } = await import('./jwt.mjs');
      const sa = JSON.parse(serviceAccountJson);
      const res = await call('/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: signAssertion(sa, { aud: sa.token_uri }),
        }).toString(),
      });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${res.body}`);
      return res.json().access_token;
    },
    stop: () => proc.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// The gateway.

/**
 * Starts `switchyard run <args>` with the listener and admin address on free ports (unless `args`
 * already name them) and waits for its "switchyard listening" line.
 *
 * Resolves { url, port, adminUrl, adminPort, accessLog(), process, stop() } where accessLog() parses
 * the JSON lines written to stdout so far.
 */
export async function startGateway({ args = [], env = {}, timeoutMs = 20000, shell, readStdout } = {}) {
  const fullArgs = ['run', ...args];
  if (!args.includes('--listen')) fullArgs.push('--listen', '127.0.0.1:0');
  if (!args.includes('--admin')) fullArgs.push('--admin', '127.0.0.1:0');
  const proc = await spawnSwitchyard(fullArgs, {
    env,
    timeoutMs,
    shell,
    readStdout,
    ready: (line) => {
      const j = jsonLine(line);
      return j && j.msg === 'switchyard listening' ? j : undefined;
    },
  });
  const { port, admin_port: adminPort } = proc.ready;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    adminUrl: adminPort ? `http://127.0.0.1:${adminPort}` : undefined,
    adminPort,
    process: proc,
    accessLog: () => proc.stdoutLines.map(jsonLine).filter(Boolean),
    stop: () => proc.stop(),
  };
}

/** Runs a Node script in a child process (e.g. to set NODE_EXTRA_CA_CERTS, read only at start-up). */
export function runNode(script, args = [], { env = {}, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: e2eDir,
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}


/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort() {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}
