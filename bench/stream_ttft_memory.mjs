// Streams: time to first token added by the gateway (vs the emulator direct, same run), and the
// gateway's resident memory per idle open stream.
//
//   node bench/stream_ttft_memory.mjs        (N sequential streams for TTFT, K open streams for memory)
import https from 'node:https';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startEmulator, startGateway, makeTempDir } from '../tests/e2e/lib/harness.mjs';
import { writeEmulatorSetup } from '../tests/e2e/lib/manifests.mjs';

const N = Number(process.env.N ?? 200);
const K = Number(process.env.K ?? 2000);

const body = (content) => JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content }] });
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

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

const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

const dir = await makeTempDir();
const emulator = await startEmulator({ dir });
const args = await writeEmulatorSetup(dir, emulator);
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

// Memory: K streams held open after their first event (the emulator pauses a minute).
const pid = gateway.process.child.pid;
const idleRss = rssKiB(pid);
const open = [];
for (let i = 0; i < K; i++) {
  open.push(new Promise((resolve, reject) => {
    const req = http.request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', agent: gatewayAgent, headers: { 'content-type': 'application/json' },
    }, (res) => { res.once('data', () => resolve(req)); });
    req.on('error', reject);
    req.end(body(`held ${i} [[emulator: stream_pause_ms=60000]]`));
  }));
}
const requests = await Promise.all(open);
await new Promise((r) => setTimeout(r, 500));
const heldRss = rssKiB(pid);
for (const req of requests) req.destroy();

console.log('| measure | p50 | p99 |');
console.log('|---|---|---|');
console.log(`| TTFT direct to the emulator (µs) | ${pct(direct, 0.5).toFixed(0)} | ${pct(direct, 0.99).toFixed(0)} |`);
console.log(`| TTFT through the gateway (µs) | ${pct(through, 0.5).toFixed(0)} | ${pct(through, 0.99).toFixed(0)} |`);
console.log(`| added by the gateway (µs) | ${(pct(through, 0.5) - pct(direct, 0.5)).toFixed(0)} | ${(pct(through, 0.99) - pct(direct, 0.99)).toFixed(0)} |`);
console.log(`\nMemory: RSS ${idleRss} KiB idle, ${heldRss} KiB with ${K} streams open after their first event:` +
  ` ${((heldRss - idleRss) / K).toFixed(1)} KiB per open stream (client side + upstream TLS connection + translator).`);
console.log(`N=${N} sequential streams per path (interleaved, 20 warm-up each), --workers 1, one run.`);
await gateway.stop();
await emulator.stop();
process.exit(0);
