// Short-lived tokens: the gateway refreshes ahead of expiry in the background, and no request fails
// or waits for a token while it does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir } from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

const lifetimeSeconds = 8;
let emulator;
let gateway;

before(async () => {
  const dir = await makeTempDir();
  emulator = await startEmulator({ dir, args: ['--token-lifetime', String(lifetimeSeconds)] });
  const args = await writeEmulatorSetup(dir, emulator);
  gateway = await startGateway({
    args,
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

test('tokens are refreshed ahead of expiry without a failed request', async () => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const started = Date.now();
  let requests = 0;
  while (Date.now() - started < 2.5 * lifetimeSeconds * 1000) {
    const res = await client.chat.completions.create({
      model: 'gemini-2.5-flash', messages: [{ role: 'user', content: `tick ${requests}` }],
    });
    assert.equal(res.choices[0].finish_reason, 'stop');
    requests++;
    await new Promise((r) => setTimeout(r, 200));
  }
  const stats = await emulator.stats();
  // Over 2.5 lifetimes the token must have been renewed at least twice, and never once per request.
  assert.ok(stats.tokens_issued >= 3, `tokens issued: ${stats.tokens_issued}`);
  assert.ok(stats.tokens_issued < requests / 4, `tokens issued: ${stats.tokens_issued} for ${requests} requests`);
});
