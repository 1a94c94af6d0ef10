// `switchyard demo`: no credentials, no network; the broken primary falls over to the emulator and
// is then ejected, so it costs its failure once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { spawnSwitchyard, jsonLine } from './lib/harness.mjs';

let demo;
after(async () => demo?.stop());

test('the demo answers vertex-virtual-model from the fallback and logs both attempts', async () => {
  demo = await spawnSwitchyard(['demo', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'], {
    ready: (line) => line.match(/gateway:\s+http:\/\/localhost:(\d+)/)?.[1],
  });
  const port = Number(demo.ready);
  assert.ok(demo.stdoutLines.some((l) => l.includes('curl')), 'the demo prints the commands to try');

  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'demo', maxRetries: 0 });
  const res = await client.chat.completions.create({
    model: 'vertex-virtual-model',
    messages: [{ role: 'user', content: 'Hello from the demo' }],
  });
  assert.equal(res.model, 'gemini-2.5-flash');
  assert.match(res.choices[0].message.content, /Hello from the demo/);

  let line;
  for (let i = 0; i < 100 && !line; i++) {
    line = demo.stdoutLines.map(jsonLine).find((l) => l?.['gen_ai.request.model'] === 'vertex-virtual-model');
    if (!line) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(line, 'access log line');
  assert.deepEqual(line.attempts.map((a) => [a.backend, a.outcome]),
    [['default/vertex-pro', 'upstream_dns'], ['default/vertex-flash', 'ok']]);

  // The broken primary is now ejected: the next request skips it instead of failing on it again.
  await client.chat.completions.create({ model: 'vertex-virtual-model', messages: [{ role: 'user', content: 'again' }] });
  let lines = [];
  for (let i = 0; i < 100 && lines.length < 2; i++) {
    lines = demo.stdoutLines.map(jsonLine).filter((l) => l?.['gen_ai.request.model'] === 'vertex-virtual-model');
    if (lines.length < 2) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(lines.length, 2, demo.output());
  assert.deepEqual(lines[1].attempts.map((a) => [a.backend, a.outcome]),
    [['default/vertex-pro', 'ejected'], ['default/vertex-flash', 'ok']]);
});
