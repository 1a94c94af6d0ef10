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

export async function startGateway(dir, args) {
  const port = await freePort();
  const err = openSync(path.join(dir, 'gateway.err'), 'w');
  const log = openSync(path.join(dir, 'access.log'), 'w');
  const child = spawn(SWITCHYARD, ['run', '--workers', '1', ...args, '--listen', `127.0.0.1:${port}`,
    '--admin', '127.0.0.1:0'], { stdio: ['ignore', log, err] });
  children.push(child);
  await waitPort(port);
  return { port, pid: child.pid, child, url: `http://127.0.0.1:${port}` };
}

export const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
export const loadLine = () => `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, ${os.cpus().length} cores`;
export const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
export const cleanup = (dir) => { stopAll(); rmSync(dir, { recursive: true, force: true }); };
