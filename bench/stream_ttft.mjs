// Streamed time to first token: direct to the canned nginx :streamGenerateContent (first `data:` event)
// vs through `switchyard run --workers 1` (first `data:` chunk carrying delta content), N sequential
// streams each, interleaved, in one run. The canned upstream sends the whole recorded stream at once.
//   node bench/stream_ttft.mjs          (N=200 by default; results in bench/results/stream_ttft.md)
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, tempDir, startCannedUpstream, writeSetup, startGateway, loadLine, pct, cleanup } from './lib/common.mjs';
import { streamOnce, anyData, hasDeltaContent } from './lib/sse_client.mjs';

const N = Number(process.env.N ?? 200);
const WARMUP = 20;
const OUT = process.env.OUT ?? path.join(BENCH_DIR, 'results', 'stream_ttft.md');

const dir = tempDir('ttft');
try {
  const loadBefore = loadLine();
  const upstream = await startCannedUpstream(dir);
  const gateway = await startGateway(dir, writeSetup(dir, upstream.port));
  const directUrl = `http://127.0.0.1:${upstream.port}/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`;
  const gatewayUrl = `${gateway.url}/v1/chat/completions`;
  const prompt = 'Explain in two sentences what an AI gateway does.';
  const vertexBody = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: prompt }] }], generationConfig: { maxOutputTokens: 256 } });
  const openaiBody = JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: prompt }], max_tokens: 256 });
  const directAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const gatewayAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  const direct = []; const through = []; let directEvents = 0; let gatewayEvents = 0; let gatewayDone = 0;
  for (let i = 0; i < N + WARMUP; i++) {
    const d = await streamOnce(directAgent, directUrl, vertexBody, anyData);
    const g = await streamOnce(gatewayAgent, gatewayUrl, openaiBody, hasDeltaContent);
    if (i < WARMUP) continue;
    direct.push(d.ttft); through.push(g.ttft);
    directEvents = d.events; gatewayEvents = g.events; if (g.done) gatewayDone++;
  }
  const loadAfter = loadLine();
  const slow = (xs) => xs.filter((x) => x > 30000).length;
  const f = (x) => x.toFixed(0);
  const lines = [
    `# Streamed time to first token: gateway vs direct to the canned upstream (one run, ${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `Command: \`node bench/stream_ttft.mjs\` (N=${N} sequential streams per path, interleaved, ${WARMUP} warm-up each, keep-alive, one connection per path).`,
    'Direct = POST to the canned nginx `...:streamGenerateContent?alt=sse`, TTFT = first `data:` event. Gateway = `switchyard run',
    '--workers 1` routed to the same nginx over plaintext, TTFT = first `data:` chunk with `delta.content`. The canned upstream',
    `sends all ${directEvents} recorded events (CRLF framing) in one response at once.`,
    `Machine before: ${loadBefore}. After: ${loadAfter}.`,
    '',
    '| path | TTFT p50 (µs) | TTFT p99 (µs) | max (µs) | > 30 ms |',
    '|---|---|---|---|---|',
    `| direct | ${f(pct(direct, 0.5))} | ${f(pct(direct, 0.99))} | ${f(Math.max(...direct))} | ${slow(direct)} |`,
    `| gateway | ${f(pct(through, 0.5))} | ${f(pct(through, 0.99))} | ${f(Math.max(...through))} | ${slow(through)} |`,
    `| added by the gateway | ${f(pct(through, 0.5) - pct(direct, 0.5))} | ${f(pct(through, 0.99) - pct(direct, 0.99))} | | |`,
    '',
    `Gateway streams: ${gatewayEvents} SSE events each (incl. \`[DONE]\`), ${gatewayDone}/${N} ended with \`data: [DONE]\`.`,
  ];
  writeFileSync(OUT, lines.join('\n') + '\n');
  console.log(lines.join('\n'));
} finally {
  cleanup(dir);
}
process.exit(0);
