// Streams against the emulator (TLS upstream + service-account auth, as in production): time to
// first token added by the gateway (vs the emulator direct, same run), then the gateway's resident
// memory with K idle open streams, and after they end.
//
//   node bench/stream_ttft_memory.mjs      (N=200 sequential streams per path, K=10000 held streams)
//
// Memory: K streams opened in batches of BATCH, each batch waiting for its streams' first event
// (the emulator then pauses them), RSS = VmRSS of `switchyard run --workers 1`. Per stream =
// (held − idle) / K. Then every client disconnects; "after" is read once the gateway has been quiet
// for 3 s. Needs 2 descriptors per stream in the gateway: the script raises its soft limit
// (ulimit -S -n) and runs itself again when it is too low. Results: bench/results/stream_ttft_memory.md
// (OUT= to write elsewhere), SWITCHYARD_BIN= for another binary.
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { execSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator, startGateway, makeTempDir, binPath, repoDir } from '../tests/e2e/lib/harness.mjs';
import { writeEmulatorSetup } from '../tests/e2e/lib/manifests.mjs';
import { loadLine, pct } from './lib/common.mjs';

const N = Number(process.env.N ?? 200);
const BATCH = Number(process.env.BATCH ?? 100);
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT ?? path.join(BENCH_DIR, 'results', 'stream_ttft_memory.md');

// Descriptors: the gateway needs 2 per stream (client + upstream) plus its own few; the emulator
// and this process 1 per stream each. The soft limit is raised up to the hard one; beyond that K
// is capped (and the results say so).
const SLACK = 64;
const limit = (flag) => Number(execSync(`ulimit ${flag} -n`, { shell: '/bin/sh', encoding: 'utf8' }).trim()) || Infinity;
const hardLimit = limit('-H');
const wanted = Number(process.env.K ?? 10000);
const K = Math.min(wanted, Math.floor((hardLimit - SLACK) / 2));
const neededFiles = 2 * K + SLACK;
if (limit('-S') < neededFiles) {
  if (process.env.STREAM_BENCH_RAISED) throw new Error(`could not raise ulimit -n to ${neededFiles}`);
  const again = spawnSync('/bin/sh', ['-c', `ulimit -S -n ${neededFiles} && exec "$0" "$@"`, process.execPath,
    ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, STREAM_BENCH_RAISED: '1' } });
  process.exit(again.status ?? 1);
}
const capped = K < wanted ? ` (${wanted} asked; the hard descriptor limit ${hardLimit} allows ${K})` : '';

const body = (content) => JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content }] });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))[1]);

// Resolves with µs until the first body bytes containing `marker`; the rest of the body is drained.
function firstEvent(requestFn, payload, marker) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let seen = false;
    const req = requestFn((res) => {
      res.on('data', (chunk) => {
        if (!seen && chunk.toString().includes(marker)) {
          seen = true;
          resolve(Number(process.hrtime.bigint() - started) / 1000);
        }
      });
      res.on('end', () => { if (!seen) reject(new Error(`no ${marker} (status ${res.statusCode})`)); });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const loadBefore = loadLine();
const dir = await makeTempDir();
const emulator = await startEmulator({ dir });
// Held streams must outlive the opening of all K: a long request timeout, a long emulator pause.
const args = await writeEmulatorSetup(dir, emulator, { requestTimeout: '900s' });
const gateway = await startGateway({ args: [...args, '--workers', '1'], env: { SSL_CERT_FILE: emulator.trustBundle } });
const token = await emulator.token();
const directAgent = new https.Agent({ keepAlive: true, ca: emulator.caPem });
const gatewayAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const vertexPath = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
const vertexBody = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'first token please' }] }] });

const direct = [];
const through = [];
for (let i = 0; i < N + 20; i++) {  // interleaved; the first 20 of each warm up
  const d = await firstEvent((cb) => https.request(`${emulator.url}${vertexPath}`, {
    method: 'POST', agent: directAgent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  }, cb), vertexBody, 'data:');
  const g = await firstEvent((cb) => http.request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', agent: gatewayAgent, headers: { 'content-type': 'application/json' },
  }, cb), body('first token please'), '"content":"[');
  if (i >= 20) { direct.push(d); through.push(g); }
}

// Memory: K streams held open after their first event.
const pid = gateway.process.child.pid;
await sleep(2000);  // quiet: the gateway gives back what the TTFT run freed
const idleRss = status(pid, 'VmRSS');
const requests = [];
const openStarted = Date.now();
for (let i = 0; i < K; i += BATCH) {
  const batch = [];
  for (let j = i; j < Math.min(K, i + BATCH); j++) {
    batch.push(new Promise((resolve, reject) => {
      const req = http.request(`${gateway.url}/v1/chat/completions`, {
        method: 'POST', agent: gatewayAgent, headers: { 'content-type': 'application/json' },
      }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`stream ${j}: status ${res.statusCode}`));
        res.once('data', () => resolve(req));
      });
      req.on('error', reject);
      req.end(body(`held ${j} [[emulator: stream_pause_ms=600000]]`));
    }));
  }
  requests.push(...await Promise.all(batch));
}
const openMs = Date.now() - openStarted;
await sleep(1000);
const heldRss = status(pid, 'VmRSS');
for (const req of requests) req.destroy();
gatewayAgent.destroy();
await sleep(4000);  // the gateway notices every disconnect, then is quiet for its trim
const afterRss = status(pid, 'VmRSS');
const peakRss = status(pid, 'VmHWM');
const loadAfter = loadLine();

const mib = (kib) => (kib / 1024).toFixed(1);
const lines = [
  `# Streams through the gateway to the TLS emulator: TTFT and memory per open stream (one run, ${new Date().toISOString().slice(0, 16)}Z)`,
  '',
  `Command: \`node bench/stream_ttft_memory.mjs\` (N=${N}, K=${K}${capped}, BATCH=${BATCH}), binary \`${path.relative(repoDir, binPath())}\`.`,
  '`switchyard run --workers 1` routes to `switchyard emulate` over verified TLS with service-account auth.',
  `Machine before: ${loadBefore}. After: ${loadAfter}.`,
  '',
  '| TTFT (µs) | p50 | p99 |',
  '|---|---|---|',
  `| direct to the emulator | ${pct(direct, 0.5).toFixed(0)} | ${pct(direct, 0.99).toFixed(0)} |`,
  `| through the gateway | ${pct(through, 0.5).toFixed(0)} | ${pct(through, 0.99).toFixed(0)} |`,
  `| added by the gateway | ${(pct(through, 0.5) - pct(direct, 0.5)).toFixed(0)} | ${(pct(through, 0.99) - pct(direct, 0.99)).toFixed(0)} |`,
  '',
  'TTFT = first `data:` event (direct) or first content chunk (gateway); sequential, interleaved, 20 warm-up each.',
  '',
  '| memory | value |',
  '|---|---|',
  `| RSS idle (after the TTFT run) | ${idleRss} KiB |`,
  `| RSS with ${K} streams open after their first event | ${heldRss} KiB (${mib(heldRss)} MiB) |`,
  `| **per open stream** | **${((heldRss - idleRss) / K).toFixed(1)} KiB** |`,
  `| RSS after every client left and 3 s quiet | ${afterRss} KiB |`,
  `| peak RSS (VmHWM) | ${peakRss} KiB |`,
  `| time to open all ${K} (batches of ${BATCH}) | ${openMs} ms |`,
];
writeFileSync(OUT, lines.join('\n') + '\n');
console.log(lines.join('\n'));
await gateway.stop();
await emulator.stop();
process.exit(0);
