// Many concurrent streamed chat completions through one gateway process to one emulator upstream:
// how many upstream connections carry them, the gateway's resident memory per open stream and at
// its peak, and whether every stream completes with the full answer.
//
//   node bench/streams_10k.mjs
//   SCENARIOS=tls-h2:10000,tls-h1:2000 node bench/streams_10k.mjs
//
// A scenario is <upstream>-<client>:<streams>. Upstream `tls`: `switchyard emulate` over verified TLS
// (h2 by ALPN, advertising MAX_STREAMS=100 streams per connection); `plain`: the emulator without
// TLS (HTTP/1.1, one connection per stream). Client `h2`: Node http2 sessions with prior knowledge
// (h2c) to the gateway, PER_SESSION streams on each; `h1`: one HTTP/1.1 connection per stream.
// Every stream asks the emulator to pause after its first event until one common release time, so
// all K are open at once: streams are opened in batches of BATCH, each batch waiting for its
// streams' first bytes; RSS (VmRSS of `switchyard run --workers 1`) is read once all are open,
// with the upstream connections (the gateway's sockets to the emulator's port). Per stream =
// (held − idle) / K, idle read after 20 warm-up streams and 2 s quiet. After the release every
// stream must end with status 200, the reference answer's content and `data: [DONE]`.
// Results: bench/results/streams_10k.md (OUT= to write elsewhere), SWITCHYARD_BIN= another binary.
import http from 'node:http';
import http2 from 'node:http2';
import path from 'node:path';
import { execSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator, startGateway, makeTempDir, binPath, repoDir } from '../tests/e2e/lib/harness.mjs';
import { writeEmulatorSetup } from '../tests/e2e/lib/manifests.mjs';
import { loadLine } from './lib/common.mjs';

const SCENARIOS = (process.env.SCENARIOS ?? 'tls-h2:10000,tls-h1:2000,plain-h2:2000,plain-h1:2000')
  .split(',').map((s) => {
    const [kind, k] = s.split(':');
    const [upstream, client] = kind.split('-');
    return { upstream, client, K: Number(k) };
  });
const PER_SESSION = Number(process.env.PER_SESSION ?? 100);  // the gateway's h2 stream limit
const MAX_STREAMS = Number(process.env.MAX_STREAMS ?? 100);  // what the emulator advertises
const BATCH = Number(process.env.BATCH ?? 200);
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.OUT ?? path.join(BENCH_DIR, 'results', 'streams_10k.md');

// Descriptors: with HTTP/1.1 clients this process and the gateway need one per stream (plus one
// per upstream connection); the soft limit is raised to the hard one when that is too low.
const SLACK = 256;
const limit = (flag) => Number(execSync(`ulimit ${flag} -n`, { shell: '/bin/sh', encoding: 'utf8' }).trim()) || Infinity;
const neededFiles = Math.max(...SCENARIOS.map((s) => (s.client === 'h1' ? s.K : 0) + (s.upstream === 'plain' ? s.K : 0))) + SLACK;
if (limit('-S') < neededFiles) {
  if (process.env.STREAM_BENCH_RAISED) throw new Error(`could not raise ulimit -n to ${neededFiles}`);
  const again = spawnSync('/bin/sh', ['-c', `ulimit -S -n ${Math.min(neededFiles, limit('-H'))} && exec "$0" "$@"`,
    process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, STREAM_BENCH_RAISED: '1' } });
  process.exit(again.status ?? 1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))[1]);
const PROMPT = 'hold this stream';
const body = (pauseMs) => JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user',
  content: pauseMs > 0 ? `${PROMPT} [[emulator: stream_pause_ms=${pauseMs}]]` : PROMPT }] });

// The gateway's TCP sockets whose peer is `port` (its upstream connections to the emulator).
function upstreamSockets(pid, port) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && parseInt(f[2].split(':')[1], 16) === port && inodes.has(f[9])) count++;
    }
  }
  return count;
}

// The content and [DONE] of an OpenAI SSE body.
function answerOf(text) {
  let content = ''; let done = false; let finish = null;
  for (const ev of text.split(/\r?\n\r?\n/)) {
    if (!ev.startsWith('data:')) continue;
    const data = ev.slice(5).trim();
    if (data === '[DONE]') { done = true; continue; }
    try {
      const choice = JSON.parse(data).choices?.[0];
      content += choice?.delta?.content ?? '';
      finish = choice?.finish_reason ?? finish;
    } catch { return { content, done: false, finish: 'unparsable event' }; }
  }
  return { content, done, finish };
}

// Clients: open(payload) → { first: resolves at the first body bytes, completed: {status, body} | {error} }.
function h2Client(url) {
  const sessions = [];
  let used = PER_SESSION;
  const session = () => {
    if (used >= PER_SESSION) {
      const s = http2.connect(url, { peerMaxConcurrentStreams: PER_SESSION });
      s.on('error', () => {});
      sessions.push(s);
      used = 0;
    }
    used++;
    return sessions[sessions.length - 1];
  };
  const open = (payload) => {
    let onFirst;
    const first = new Promise((r) => { onFirst = r; });
    const completed = new Promise((resolve) => {
      const req = session().request({ ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' });
      let statusCode = 0; let text = '';
      req.setEncoding('utf8');
      req.on('response', (h) => { statusCode = h[':status']; });
      req.on('data', (c) => { text += c; onFirst(); });
      req.on('end', () => { onFirst(); resolve({ status: statusCode, body: text }); });
      req.on('error', (e) => { onFirst(); resolve({ error: e.code ?? e.message }); });
      req.end(payload);
    });
    return { first, completed };
  };
  return { open, close: () => sessions.forEach((s) => s.close()), connections: () => sessions.length };
}

function h1Client(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const sockets = new WeakSet();
  let connections = 0;
  const open = (payload) => {
    let onFirst;
    const first = new Promise((r) => { onFirst = r; });
    const completed = new Promise((resolve) => {
      const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; onFirst(); });
        res.on('end', () => { onFirst(); resolve({ status: res.statusCode, body: text }); });
        res.on('error', (e) => { onFirst(); resolve({ error: e.code ?? e.message }); });
      });
      req.on('socket', (socket) => { if (!sockets.has(socket)) { sockets.add(socket); connections++; } });
      req.on('error', (e) => { onFirst(); resolve({ error: e.code ?? e.message }); });
      req.end(payload);
    });
    return { first, completed };
  };
  return { open, close: () => agent.destroy(), connections: () => connections };
}

async function runScenario({ upstream, client, K }) {
  const dir = await makeTempDir('switchyard-streams-');
  const emulator = await startEmulator({ dir, tls: upstream === 'tls', args: ['--h2-max-streams', String(MAX_STREAMS)] });
  const args = await writeEmulatorSetup(dir, emulator, { requestTimeout: '900s', streamIdleTimeout: '900s' });
  const gateway = await startGateway({ args: [...args, '--workers', '1'], env: { SSL_CERT_FILE: emulator.trustBundle ?? '' } });
  const pid = gateway.process.child.pid;
  const clients = (client === 'h2' ? h2Client : h1Client)(gateway.url);
  try {
    // The reference answer, and warm-up (token, connections, lazily built state).
    const reference = await clients.open(body(0)).completed;
    const expected = answerOf(reference.body ?? '');
    if (reference.status !== 200 || !expected.done || !expected.content) throw new Error(`reference stream: ${JSON.stringify(reference).slice(0, 300)}`);
    await Promise.all(Array.from({ length: 20 }, () => clients.open(body(0)).completed));
    await sleep(2000);  // quiet: the gateway gives back what the warm-up freed
    const idleRss = status(pid, 'VmRSS');

    // Every stream is released at the same moment, late enough for all K to be open by then.
    const openBudgetMs = Number(process.env.OPEN_BUDGET_MS ?? Math.max(15000, K * 6));
    const releaseAt = Date.now() + openBudgetMs;
    const streams = [];
    let completedEarly = 0;
    const t0 = Date.now();
    for (let i = 0; i < K; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, K - i) }, () => clients.open(body(releaseAt - Date.now())));
      for (const s of batch) s.completed.then(() => { if (Date.now() < releaseAt) completedEarly++; });
      streams.push(...batch);
      await Promise.all(batch.map((s) => s.first));
    }
    const openMs = Date.now() - t0;
    await sleep(1000);
    const heldRss = status(pid, 'VmRSS');
    const upstreamConnections = upstreamSockets(pid, emulator.port);
    const heldBeforeRelease = Date.now() < releaseAt - 200 && completedEarly === 0;

    const results = await Promise.all(streams.map((s) => s.completed));
    const completeMs = Date.now() - releaseAt;
    const ok = results.filter((r) => {
      if (r.status !== 200) return false;
      const a = answerOf(r.body);
      return a.done && a.content === expected.content && a.finish === expected.finish;
    }).length;
    const failures = results.filter((r) => r.status !== 200 || r.error);
    const reasons = [...new Set(failures.map((r) => r.error ?? `status ${r.status}`))].slice(0, 3);
    const peakRss = status(pid, 'VmHWM');
    const clientConnections = clients.connections();
    clients.close();
    await sleep(3000);
    const afterRss = status(pid, 'VmRSS');
    const stats = await emulator.stats();
    return {
      upstream, client, K, idleRss, heldRss, peakRss, afterRss, openMs, completeMs, ok, upstreamConnections,
      clientConnections, heldBeforeRelease, failures: failures.length, reasons, wrongAnswers: K - ok - failures.length,
      tlsHandshakes: stats.connections_accepted, expectedChars: expected.content.length,
    };
  } finally {
    clients.close();
    await gateway.stop();
    await emulator.stop();
  }
}

const loadBefore = loadLine();
const rows = [];
for (const scenario of SCENARIOS) {
  const r = await runScenario(scenario);
  console.log(JSON.stringify(r));
  rows.push(r);
}
const loadAfter = loadLine();

const mib = (kib) => (kib / 1024).toFixed(1);
const upstreamName = { tls: 'TLS, h2', plain: 'plaintext, HTTP/1.1' };
const clientName = { h2: `h2c, ${PER_SESSION} streams a connection`, h1: 'HTTP/1.1, a connection a stream' };
const lines = [
  `# Concurrent streams through one gateway process (one run, ${new Date().toISOString().slice(0, 16)}Z)`,
  '',
  `Command: \`node bench/streams_10k.mjs\` (SCENARIOS=${SCENARIOS.map((s) => `${s.upstream}-${s.client}:${s.K}`).join(',')}, BATCH=${BATCH}, emulator --h2-max-streams ${MAX_STREAMS}), binary \`${path.relative(repoDir, binPath())}\`.`,
  '`switchyard run --workers 1` routes to `switchyard emulate` (service-account auth; TLS verified where TLS).',
  `Machine before: ${loadBefore}. After: ${loadAfter}.`,
  '',
  '| upstream | clients | streams | all open at once | completed with the full answer | failures | upstream connections (TLS handshakes) | RSS idle | RSS with all open | **per open stream** | peak RSS (VmHWM) | RSS 3 s after | time to open all / to end all after release |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${upstreamName[r.upstream]} | ${clientName[r.client]} (${r.clientConnections}) | ${r.K} | ${r.heldBeforeRelease ? 'yes' : 'NO'} | ${r.ok}/${r.K} | ${r.failures}${r.reasons.length ? ` (${r.reasons.join('; ')})` : ''} | ${r.upstreamConnections} (${r.tlsHandshakes}) | ${mib(r.idleRss)} MiB | ${mib(r.heldRss)} MiB | **${((r.heldRss - r.idleRss) / r.K).toFixed(1)} KiB** | ${mib(r.peakRss)} MiB | ${mib(r.afterRss)} MiB | ${r.openMs} ms / ${r.completeMs} ms |`),
  '',
  `Full answer = status 200, the reference stream's content (${rows[0]?.expectedChars} characters) and finish_reason, then \`data: [DONE]\`.`,
  'Upstream connections: the gateway\'s sockets to the emulator\'s port while all streams were open; TLS handshakes: the emulator\'s count for the whole scenario.',
];
writeFileSync(OUT, lines.join('\n') + '\n');
console.log(lines.join('\n'));
process.exit(rows.every((r) => r.ok === r.K && r.heldBeforeRelease) ? 0 : 1);
