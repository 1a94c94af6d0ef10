// Shared helpers for the Node benchmarks: temp dir, free ports, the canned nginx upstream, the gateway
// manifest + a fresh service-account key, and the gateway process. Loopback only.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, openSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SWITCHYARD = process.env.SWITCHYARD ?? path.join(BENCH_DIR, '..', 'build', 'switchyard');

export const tempDir = (name) => mkdtempSync(path.join(os.tmpdir(), `switchyard-bench-${name}-`));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

export async function waitPort(port, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const children = [];
export function stopAll() { for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); }
process.on('exit', stopAll);

export async function startCannedUpstream(dir) {
  const port = await freePort();
  const out = openSync(path.join(dir, 'nginx.out'), 'w');
  const child = spawn(path.join(BENCH_DIR, 'canned-upstream', 'start.sh'), [String(port), path.join(dir, 'nginx')],
    { stdio: ['ignore', out, out] });
  children.push(child);
  await waitPort(port);
  return { port, pid: child.pid, child };
}

// Manifest routing gemini-2.5-flash to 127.0.0.1:upstreamPort (plaintext) + a fresh SA key whose
// token_uri is the upstream's /token. Returns the gateway's -c/--secrets-dir args.
export function writeSetup(dir, upstreamPort) {
  const template = readFileSync(path.join(BENCH_DIR, 'canned-upstream', 'manifest.yaml.template'), 'utf8');
  writeFileSync(path.join(dir, 'routes.yaml'), template.replaceAll('__PORT__', String(upstreamPort)));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(path.join(dir, 'secrets', 'sa'), { recursive: true });
  writeFileSync(path.join(dir, 'secrets', 'sa', 'service_account.json'), JSON.stringify({
    type: 'service_account', project_id: 'p', private_key_id: 'bench',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: 'bench@p.iam.gserviceaccount.com', client_id: '1',
    token_uri: `http://127.0.0.1:${upstreamPort}/token`,
  }));
  return ['-c', path.join(dir, 'routes.yaml'), '--secrets-dir', path.join(dir, 'secrets')];
}

// bench/hold-upstream.mjs: sends each stream's first event and holds it until POST /__end_all.
export async function startHoldUpstream() {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(BENCH_DIR, 'hold-upstream.mjs'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => (String(d).startsWith('listening') ? resolve() : reject(new Error(String(d)))));
    child.once('exit', (c) => reject(new Error(`hold upstream exited ${c}`)));
  });
  return { port, pid: child.pid, child };
}

// `switchyard run` with `workers` worker threads; its access log (stdout) goes to DIR/NAME.access.log,
// a file, as an operator would keep it.
export async function startGateway(dir, args, { workers = 1, name = 'gateway' } = {}) {
  const port = await freePort();
  const err = openSync(path.join(dir, `${name}.err`), 'w');
  const accessLog = path.join(dir, `${name}.access.log`);
  const child = spawn(SWITCHYARD, ['run', '--workers', String(workers), ...args, '--listen', `127.0.0.1:${port}`,
    '--admin', '127.0.0.1:0'], { stdio: ['ignore', openSync(accessLog, 'w'), err] });
  children.push(child);
  await waitPort(port);
  return { port, pid: child.pid, child, url: `http://127.0.0.1:${port}`, accessLog };
}

// nginx as a plain reverse proxy (bench/nginx-proxy) in front of 127.0.0.1:upstreamPort.
export async function startNginxProxy(dir, upstreamPort, name = 'nginx-proxy') {
  const port = await freePort();
  const out = openSync(path.join(dir, `${name}.out`), 'w');
  const prefix = path.join(dir, name);
  const child = spawn(path.join(BENCH_DIR, 'nginx-proxy', 'start.sh'), [String(port), String(upstreamPort), prefix],
    { stdio: ['ignore', out, out] });
  children.push(child);
  await waitPort(port);
  return { port, pid: child.pid, child, url: `http://127.0.0.1:${port}`, accessLog: path.join(prefix, 'access.log') };
}

// Portkey's open-source gateway from bench/node_modules (bench/setup.sh installs it). It listens on
// all interfaces and takes a few seconds to start.
export async function startPortkey(dir) {
  const port = await freePort();
  const out = openSync(path.join(dir, 'portkey.out'), 'w');
  const child = spawn(process.execPath, [PORTKEY_SERVER, `--port=${port}`, '--headless'], { stdio: ['ignore', out, out] });
  children.push(child);
  await waitPort(port, 30000);
  return { port, pid: child.pid, child, url: `http://127.0.0.1:${port}` };
}
export const PORTKEY_SERVER = path.join(BENCH_DIR, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');

// Per-request headers that send Portkey's vertex-ai provider to our upstream (bench-notes.md).
export const portkeyHeaders = (upstreamPort) => ({
  'x-portkey-provider': 'vertex-ai',
  'x-portkey-custom-host': `http://127.0.0.1:${upstreamPort}`,
  'x-portkey-vertex-project-id': 'p',
  'x-portkey-vertex-region': 'us-central1',
  authorization: 'Bearer canned-benchmark-token',
});

// A /proc/PID/status field in KiB (VmRSS: resident now, VmHWM: peak resident).
export const statusKiB = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))[1]);
export const rssKiB = (pid) => statusKiB(pid, 'VmRSS');
// CPU time of the whole process (every thread, utime + stime), in seconds.
export const CLOCK_TICKS = 100;  // USER_HZ on Linux
export const cpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
export const loadLine = () => `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cores`;
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
export const cleanup = (dir) => { stopAll(); rmSync(dir, { recursive: true, force: true }); };
