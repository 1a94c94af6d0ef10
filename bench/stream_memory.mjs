// Gateway resident memory per open stream: K streaming requests through `switchyard run --workers 1`
// to bench/hold-upstream.mjs, which sends the first event and holds each stream open. RSS
// (/proc/PID/status VmRSS) idle vs with all K open after their first content chunk; then the upstream
// is told to end them all and every stream must complete with `data: [DONE]`.
//   node bench/stream_memory.mjs        (K=2000 by default; results in bench/results/stream_memory.md)
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, tempDir, startHoldUpstream, writeSetup, startGateway, rssKiB, loadLine, cleanup } from './lib/common.mjs';
import { openHeldStream, holdControl } from './lib/sse_client.mjs';

const K = Number(process.env.K ?? 2000);
const BATCH = 100;
const OUT = process.env.OUT ?? path.join(BENCH_DIR, 'results', 'stream_memory.md');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const dir = tempDir('memory');
try {
  const loadBefore = loadLine();
  const upPort = (await startHoldUpstream()).port;
  const gateway = await startGateway(dir, writeSetup(dir, upPort));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const body = JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'hold this stream' }] });
  const control = (p) => holdControl(upPort, p);
  const open = () => {
    const s = openHeldStream(agent, `${gateway.url}/v1/chat/completions`, body, '"content":"Held"');
    return { firstChunk: s.firstChunk, completed: s.completed.then((r) => (r.error ? r : { status: r.status, done: r.body.includes('data: [DONE]'), released: r.body.includes('now released.') })) };
  };

  // Warm-up: a few streams opened and released, so the idle figure includes lazily built state.
  const warm = Array.from({ length: 20 }, open);
  await Promise.all(warm.map((s) => s.firstChunk));
  await control('/__end_all');
  await Promise.all(warm.map((s) => s.completed));
  await sleep(500);
  const idle = rssKiB(gateway.pid);

  const t0 = Date.now();
  const streams = [];
  for (let i = 0; i < K; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, K - i) }, open);
    streams.push(...batch);
    await Promise.all(batch.map((s) => s.firstChunk));
  }
  const openMs = Date.now() - t0;
  await sleep(1000);
  const heldCount = (await control('/__count')).held;
  const held = rssKiB(gateway.pid);
  const perStream = (held - idle) / K;

  const t1 = Date.now();
  const ended = (await control('/__end_all')).ended;
  const results = await Promise.all(streams.map((s) => s.completed));
  const endMs = Date.now() - t1;
  await sleep(2500);  // the gateway gives free heap back after 1 s without a request in flight
  const after = rssKiB(gateway.pid);
  const ok = results.filter((r) => r.status === 200 && r.done && r.released).length;
  const errors = results.filter((r) => r.error).map((r) => r.error);
  const loadAfter = loadLine();

  const lines = [
    `# Gateway memory per open stream (one run, ${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `Command: \`node bench/stream_memory.mjs\` (K=${K}). \`switchyard run --workers 1\` routed over plaintext to`,
    '`bench/hold-upstream.mjs` (Node), which writes one CRLF-framed SSE event per stream and holds it open until told to',
    `end. Streams opened in batches of ${BATCH}, each waited for its first content chunk; RSS = VmRSS of the gateway.`,
    `Machine before: ${loadBefore}. After: ${loadAfter}.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| RSS idle (after 20 warm-up streams) | ${idle} KiB |`,
    `| RSS with ${K} streams open (upstream holding ${heldCount}) | ${held} KiB |`,
    `| **per open stream** | **${perStream.toFixed(1)} KiB** |`,
    `| RSS after all ended | ${after} KiB |`,
    `| streams completed 200 + rest of stream + \`[DONE]\` | ${ok}/${K} (upstream ended ${ended}) |`,
    `| errors | ${errors.length}${errors.length ? ` (${[...new Set(errors)].slice(0, 3).join('; ')})` : ''} |`,
    `| time to open all / to complete all after release | ${openMs} ms / ${endMs} ms |`,
    '',
    'Per stream = (held − idle) / K: client connection + plaintext upstream connection + translator state.',
  ];
  writeFileSync(OUT, lines.join('\n') + '\n');
  console.log(lines.join('\n'));
} finally {
  cleanup(dir);
}
process.exit(0);
