// Side by side, in one run, on one canned Vertex upstream (bench/canned-upstream: nginx returning
// recorded answers): direct to the upstream (the limit), nginx as a plain proxy (the floor for any
// proxy), Switchyard (`run --workers 1`, and `--workers 2` for scaling) and Portkey's gateway.
// Non-streaming: wrk at c=1/16/64, rounds interleaved and repeated; per run requests/s, p50/p99,
// proxy CPU per request (/proc), upstream CPU. Streams: time to first token, interleaved request by
// request; resident memory per open stream (Switchyard, nginx) against bench/hold-upstream.mjs.
// Writes bench/results/compare.{json,md,png}. Run through bench/compare.sh (it installs what this
// needs); knobs: REPEATS=3 DURATION=6s N=200 (streams per target per round) K=2000 (open streams).
import http from 'node:http';
import { closeSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  BENCH_DIR, SWITCHYARD, PORTKEY_SERVER, tempDir, startCannedUpstream, startNginxProxy, startGateway, startPortkey,
  startHoldUpstream, portkeyHeaders, writeSetup, statusKiB, rssKiB, loadLine, cleanup,
} from './lib/common.mjs';
import { runWrk } from './lib/wrk.mjs';
import { streamOnce, anyData, hasDeltaContent, openHeldStream, holdControl } from './lib/sse_client.mjs';
import { writeReports } from './lib/compare_report.mjs';

// Lines of a file read in pieces: a long run's access log is larger than any one JS string.
function countLines(file) {
  const fd = openSync(file, 'r');
  const piece = Buffer.alloc(1 << 20);
  let lines = 0;
  try {
    for (let n; (n = readSync(fd, piece, 0, piece.length, null)) > 0;) {
      for (let i = piece.indexOf(10, 0); i !== -1 && i < n; i = piece.indexOf(10, i + 1)) ++lines;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

const REPEATS = Number(process.env.REPEATS ?? 3);
const DURATION = process.env.DURATION ?? '6s';
const CONCURRENCIES = [1, 16, 64];
const TTFT_N = Number(process.env.N ?? 200);
const TTFT_WARMUP = 20;
const STREAMS_K = Number(process.env.K ?? 2000);
const RESULTS = process.env.RESULTS ?? path.join(BENCH_DIR, 'results');
const TARGETS = ['direct', 'nginx', 'switchyard', 'portkey'];
const VERTEX_MODEL_PATH = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash';
const PROMPT = 'Explain in two sentences what an AI gateway does.';
const EXPECTED_TEXT = 'Switchyard is a gateway';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const progress = (line) => process.stderr.write(`compare: ${line}\n`);

function post(url, payload, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = ''; res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function toolVersions() {
  // First line of a tool's version output, wherever it prints it (nginx -v: stderr; wrk -v exits 1).
  const first = (cmd, args) => { const r = spawnSync(cmd, args, { encoding: 'utf8' }); return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0]; };
  const portkeyPkg = JSON.parse(readFileSync(path.join(path.dirname(PORTKEY_SERVER), '..', 'package.json'), 'utf8'));
  return {
    switchyard: path.relative(path.join(BENCH_DIR, '..'), SWITCHYARD),  // as the repo names it, not this machine
    git: first('git', ['-C', BENCH_DIR, 'describe', '--always', '--dirty']),
    nginx: first('nginx', ['-v']),
    wrk: first('wrk', ['-v']),
    node: process.version,
    portkey: portkeyPkg.version,
    kernel: os.release(),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
  };
}

// Opens `k` streams through one proxy to the hold upstream, in batches, each past its first event;
// resident memory of the proxy idle vs with all open; then ends them and checks each completed.
async function measureOpenStreams({ pid, url, payload, holdPort, k }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const open = () => openHeldStream(agent, url, payload, 'Held');
  const warm = Array.from({ length: 20 }, open);
  await Promise.all(warm.map((s) => s.firstChunk));
  await holdControl(holdPort, '/__end_all');
  await Promise.all(warm.map((s) => s.completed));
  await sleep(500);
  const idleKiB = rssKiB(pid);
  const streams = [];
  for (let i = 0; i < k; i += 100) {
    const batch = Array.from({ length: Math.min(100, k - i) }, open);
    streams.push(...batch);
    await Promise.all(batch.map((s) => s.firstChunk));
  }
  await sleep(1000);
  const held = (await holdControl(holdPort, '/__count')).held;
  const heldKiB = rssKiB(pid);
  await holdControl(holdPort, '/__end_all');
  const results = await Promise.all(streams.map((s) => s.completed));
  agent.destroy();
  const completed = results.filter((r) => r.status === 200 && r.body.includes('now released.')).length;
  return { k, upstreamHeld: held, idleKiB, heldKiB, perStreamKiB: (heldKiB - idleKiB) / k, completed };
}

const dir = tempDir('compare');
try {
  const machineBefore = loadLine();
  const upstream = await startCannedUpstream(dir);
  const nginx = await startNginxProxy(dir, upstream.port);
  const setup = writeSetup(dir, upstream.port);
  const switchyard = await startGateway(dir, setup, { workers: 1, name: 'switchyard' });
  const switchyard2 = await startGateway(dir, setup, { workers: 2, name: 'switchyard-2w' });
  const portkey = await startPortkey(dir);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;

  const unary = {
    direct: { url: `${upstreamUrl}${VERTEX_MODEL_PATH}:generateContent`, body: 'vertex' },
    nginx: { url: `${nginx.url}${VERTEX_MODEL_PATH}:generateContent`, body: 'vertex', pid: nginx.pid },
    switchyard: { url: `${switchyard.url}/v1/chat/completions`, body: 'openai', pid: switchyard.pid },
    'switchyard-2w': { url: `${switchyard2.url}/v1/chat/completions`, body: 'openai', pid: switchyard2.pid },
    portkey: { url: `${portkey.url}/v1/chat/completions`, body: 'openai', pid: portkey.pid, portkeyUpstream: upstreamUrl },
  };
  const vertexBody = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: PROMPT }] }], generationConfig: { maxOutputTokens: 256 } });
  const openaiBody = (stream) => JSON.stringify({ model: 'gemini-2.5-flash', stream, messages: [{ role: 'user', content: PROMPT }], max_tokens: 256 });
  const streams = {
    direct: { url: `${upstreamUrl}${VERTEX_MODEL_PATH}:streamGenerateContent?alt=sse`, payload: vertexBody, isFirst: anyData },
    nginx: { url: `${nginx.url}${VERTEX_MODEL_PATH}:streamGenerateContent?alt=sse`, payload: vertexBody, isFirst: anyData },
    switchyard: { url: `${switchyard.url}/v1/chat/completions`, payload: openaiBody(true), isFirst: hasDeltaContent },
    portkey: { url: `${portkey.url}/v1/chat/completions`, payload: openaiBody(true), isFirst: hasDeltaContent, headers: portkeyHeaders(upstream.port) },
  };

  const requestsSent = Object.fromEntries([...Object.keys(unary)].map((name) => [name, 0]));
  const count = (name, n) => { if (name in requestsSent) requestsSent[name] += n; };

  // Sanity: every path answers 200 with the recorded text, unary and streamed, before anything is measured.
  for (const [name, t] of Object.entries(unary)) {
    const headers = t.portkeyUpstream ? portkeyHeaders(upstream.port) : {};
    const r = await post(t.url, t.body === 'vertex' ? vertexBody : openaiBody(false), headers);
    if (r.status !== 200 || !r.text.includes(EXPECTED_TEXT)) throw new Error(`${name} answered ${r.status}: ${r.text.slice(0, 300)}`);
    count(name, 1);
  }
  for (const [name, s] of Object.entries(streams)) {
    const r = await post(s.url, s.payload, s.headers);
    if (r.status !== 200 || !r.text.includes('Switchyard')) throw new Error(`${name} stream answered ${r.status}: ${r.text.slice(0, 300)}`);
    count(name, 1);
  }

  // Warm-up (not reported): connections, allocators, token cache, Portkey's JIT.
  for (const [name, t] of Object.entries(unary)) {
    count(name, (await runWrk({ ...t, c: 16, duration: name === 'portkey' ? '4s' : '2s' })).requests);
  }

  // Non-streaming: each round runs every concurrency, the targets in a rotated order.
  const runs = [];
  for (let round = 0; round < REPEATS; round++) {
    for (const c of CONCURRENCIES) {
      const order = rotate(TARGETS, round);
      if (c === 64) order.splice(order.indexOf('switchyard') + 1, 0, 'switchyard-2w');
      for (const target of order) {
        const t = unary[target];
        const watch = { upstream: upstream.pid, ...(t.pid ? { proxy: t.pid } : {}) };
        const r = await runWrk({ ...t, c, duration: DURATION, watch });
        const run = {
          round, c, target, requests: r.requests, rps: r.requests / (r.duration_us / 1e6),
          p50_us: r.p50_us, p99_us: r.p99_us, mean_us: r.mean_us,
          socket_errors: r.err_connect + r.err_read + r.err_write + r.err_timeout, non2xx: r.err_status,
          proxy_cpu_us_per_req: t.pid ? (r.cpu_s.proxy * 1e6) / r.requests : null,
          proxy_cores: t.pid ? r.cpu_s.proxy / r.wall_s : null,
          upstream_cpu_us_per_req: (r.cpu_s.upstream * 1e6) / r.requests,
          upstream_cores: r.cpu_s.upstream / r.wall_s,
        };
        runs.push(run);
        count(target, r.requests);
        progress(`round ${round + 1}/${REPEATS} c=${c} ${target}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50_us} µs, p99 ${run.p99_us} µs` +
          (t.pid ? `, proxy ${run.proxy_cpu_us_per_req.toFixed(1)} µs CPU/req` : ''));
      }
    }
  }

  // Streams: time to first token, one keep-alive connection per target, interleaved request by request.
  const agents = Object.fromEntries(TARGETS.map((name) => [name, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
  const once = (name) => {
    count(name, 1);
    return streamOnce(agents[name], streams[name].url, streams[name].payload, streams[name].isFirst, streams[name].headers);
  };
  for (let i = 0; i < TTFT_WARMUP; i++) for (const name of TARGETS) await once(name);
  const ttft = [];
  for (let round = 0; round < REPEATS; round++) {
    const samples = Object.fromEntries(TARGETS.map((name) => [name, []]));
    const done = Object.fromEntries(TARGETS.map((name) => [name, 0]));
    for (let i = 0; i < TTFT_N; i++) {
      for (const name of rotate(TARGETS, i + round)) {
        const r = await once(name);
        samples[name].push(Math.round(r.ttft * 10) / 10);
        if (r.done) done[name]++;
      }
    }
    ttft.push({ round, samples, done });
    progress(`streams round ${round + 1}/${REPEATS}: ${TARGETS.length} × ${TTFT_N} streams`);
  }
  for (const agent of Object.values(agents)) agent.destroy();

  await sleep(1500);  // access logs flush on a timer
  const peakRssKiB = {
    upstream: statusKiB(upstream.pid, 'VmHWM'), nginx: statusKiB(nginx.pid, 'VmHWM'),
    switchyard: statusKiB(switchyard.pid, 'VmHWM'), 'switchyard-2w': statusKiB(switchyard2.pid, 'VmHWM'),
    portkey: statusKiB(portkey.pid, 'VmHWM'),
  };
  const accessLogLines = {
    switchyard: countLines(switchyard.accessLog),
    'switchyard-2w': countLines(switchyard2.accessLog),
    nginx: countLines(nginx.accessLog),
  };

  // Memory per open stream, Switchyard then nginx, against an upstream that holds every stream open.
  const hold = await startHoldUpstream();
  const holdDir = path.join(dir, 'hold');
  mkdirSync(holdDir);
  const switchyardHold = await startGateway(holdDir, writeSetup(holdDir, hold.port), { workers: 1, name: 'switchyard' });
  const nginxHold = await startNginxProxy(dir, hold.port, 'nginx-proxy-hold');
  const openStreams = {
    switchyard: await measureOpenStreams({
      pid: switchyardHold.pid, url: `${switchyardHold.url}/v1/chat/completions`, payload: openaiBody(true), holdPort: hold.port, k: STREAMS_K,
    }),
    nginx: await measureOpenStreams({
      pid: nginxHold.pid, url: `${nginxHold.url}${VERTEX_MODEL_PATH}:streamGenerateContent?alt=sse`, payload: vertexBody, holdPort: hold.port, k: STREAMS_K,
    }),
  };
  progress(`open streams: switchyard ${openStreams.switchyard.perStreamKiB.toFixed(1)} KiB, nginx ${openStreams.nginx.perStreamKiB.toFixed(1)} KiB per stream`);

  const machineAfter = loadLine();
  writeReports(RESULTS, {
    date: new Date().toISOString().slice(0, 16) + 'Z',
    config: { repeats: REPEATS, duration: DURATION, concurrencies: CONCURRENCIES, ttftStreamsPerRound: TTFT_N, ttftWarmup: TTFT_WARMUP, openStreams: STREAMS_K },
    machine: { before: machineBefore, after: machineAfter },
    versions: toolVersions(),
    runs, ttft, peakRssKiB, accessLogLines, requestsSent, openStreams,
  });
} finally {
  cleanup(dir);
}
process.exit(0);
