// What a client sends cannot grow what the gateway reports: metric labels carry only model names the
// configuration spells out (others share `_OTHER`), and access-log fields copied from the request are
// cut at 1,024 bytes with a marker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startEmulator, startGateway, makeTempDir, request } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

let emulator;
let gateway;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  gateway = await startGateway({
    args: [...await writeEmulatorSetup(dir, emulator), '--workers', '2'],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

const chat = (model, headers = {}, path = '/v1/chat/completions') => request(`${gateway.url}${path}`, {
  method: 'POST',
  headers,
  body: { model, messages: [{ role: 'user', content: 'hi' }] },
  timeoutMs: 60000,
});

// The scrape's size in bytes, and its samples with their labels once it is small enough to parse.
async function scrape() {
  const res = await request(`${gateway.adminUrl}/metrics`, { raw: true, timeoutMs: 60000 });
  assert.equal(res.status, 200);
  return res.body;
}

// Handlers record right after the response is out: wait until `count` requests are counted.
async function scrapeAfter(count) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const body = await scrape();
    const text = body.length < 4 << 20 ? body.toString('utf8') : '';
    const counted = [...text.matchAll(/^switchyard_requests_total\{[^}]*\} (\d+)$/gm)]
      .reduce((sum, m) => sum + Number(m[1]), 0);
    if (counted >= count || !text || Date.now() > deadline) return { bytes: body.length, text };
    await new Promise((r) => setTimeout(r, 20));
  }
}

function durationCounts(text) {
  const family = parsePrometheusTextFormat(text.replace(/^# TYPE .*\n/gm, ''))
    .filter((f) => f.name === 'gen_ai_server_request_duration_seconds_count');
  return family.flatMap((f) => f.metrics).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
}

test('unknown model names, however long or many, share one label; the scrape stays small', async (t) => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const known = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(known.choices[0].finish_reason, 'stop');

  const huge = 'm'.repeat(10 << 20);  // 10 MiB, under the 50 MiB body limit
  assert.equal((await chat(huge)).status, 404);
  const names = Array.from({ length: 1000 }, (_, i) => `no-such-model-${i}-${'x'.repeat(100)}`);
  for (let i = 0; i < names.length; i += 50) {
    const answers = await Promise.all(names.slice(i, i + 50).map((name) => chat(name)));
    for (const res of answers) assert.equal(res.status, 404);
  }

  const { bytes, text } = await scrapeAfter(1002);
  t.diagnostic(`scrape after 1,002 requests: ${bytes} bytes`);
  assert.ok(bytes < 64 * 1024, `the scrape is ${bytes} bytes`);
  const counts = durationCounts(text);
  const other = counts.filter((s) => s.labels.gen_ai_original_model === '_OTHER');
  assert.equal(other.reduce((sum, s) => sum + s.value, 0), 1001);
  for (const s of other) {
    assert.equal(s.labels.error_type, 'model_not_found');
    assert.equal(s.labels.gen_ai_request_model, '_OTHER');
  }
  const ok = counts.filter((s) => s.labels.gen_ai_original_model === 'gemini-2.5-flash');
  assert.equal(ok.reduce((sum, s) => sum + s.value, 0), 1);
  assert.equal(ok[0].labels.gen_ai_request_model, 'gemini-2.5-flash');
  assert.equal(ok[0].labels.gen_ai_response_model, known.model, 'the answer\'s model of a configured request keeps its label');
  // The labels were bounded by the gateway, not by the registry's backstop.
  assert.ok(!/switchyard_metric_overflow_total/.test(text), 'nothing overflowed');
});

test('access-log fields copied from the request are cut at 1,024 bytes and marked', async (t) => {
  const agent = `agent/${'a'.repeat(30000)}`;
  const path = `/v1/chat/completions?${'q'.repeat(30000)}`;
  const model = `long-${'m'.repeat(1 << 20)}`;
  const res = await chat(model, { 'user-agent': agent }, path);
  assert.equal(res.status, 404);

  const line = await gateway.process.waitForLine((l, stream) =>
    (stream === 'stdout' && l.includes('"response_code":404') && l.includes('"user-agent":"agent/') ? l : undefined), 10000);
  t.diagnostic(`access-log line: ${line.length} bytes`);
  assert.ok(line.length < 8 * 1024, `the line is ${line.length} bytes`);
  const entry = JSON.parse(line);
  assert.equal(entry['user-agent'], `${agent.slice(0, 1024)}...[truncated: ${agent.length} bytes]`);
  assert.equal(entry['x-envoy-origin-path'], `${path.slice(0, 1024)}...[truncated: ${path.length} bytes]`);
  assert.equal(entry['gen_ai.request.model'], `${model.slice(0, 1024)}...[truncated: ${model.length} bytes]`);
});
