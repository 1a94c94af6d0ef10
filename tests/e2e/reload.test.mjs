// Live reload: manifest edits take effect within a second with no failed request; a bad edit keeps
// the running configuration and says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, writeFile } from './lib/harness.mjs';
import { emulatorManifest, writeEmulatorSetup } from './lib/manifests.mjs';

let emulator;
let gateway;
let dir;

before(async () => {
  dir = await makeTempDir();
  emulator = await startEmulator({ dir });
  const args = await writeEmulatorSetup(dir, emulator, { models: ['gemini-2.5-flash'] });
  gateway = await startGateway({ args, env: { SSL_CERT_FILE: emulator.trustBundle } });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

// Replaces the manifest the way editors and `kubectl` tooling do: write aside, rename over.
async function replaceManifest(text) {
  await writeFile(`${dir}/routes.yaml.tmp`, text);
  await rename(`${dir}/routes.yaml.tmp`, `${dir}/routes.yaml`);
}

test('an edit under a request loop takes effect quickly and no request fails', async () => {
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'x', maxRetries: 0 });
  let failures = 0;
  let done = false;
  const loop = (async () => {
    let n = 0;
    while (!done) {
      try {
        await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: `loop ${n++}` }] });
      } catch (err) {
        failures++;
      }
    }
    return n;
  })();

  await new Promise((r) => setTimeout(r, 300));
  const edited = Date.now();
  await replaceManifest(emulatorManifest(emulator, { models: ['gemini-2.5-flash', 'gemini-2.5-pro'] }));
  let visibleAfter;
  while (Date.now() - edited < 5000) {
    const list = await client.models.list();
    if (list.data.some((m) => m.id === 'gemini-2.5-pro')) { visibleAfter = Date.now() - edited; break; }
    await new Promise((r) => setTimeout(r, 25));
  }
  const pro = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'new route' }] });
  assert.equal(pro.model, 'gemini-2.5-pro');

  // A broken edit: the running configuration stays.
  await replaceManifest('apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata: {name: r}\nspec: {rules: [{backendRefs: 7}]}\n');
  await new Promise((r) => setTimeout(r, 600));
  const still = await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'still here' }] });
  assert.match(still.choices[0].message.content, /still here/);
  assert.ok(gateway.process.stderrLines.some((l) => l.includes('reload failed')), 'the failed reload is logged');
  assert.ok(gateway.process.stderrLines.some((l) => l.includes('routes.yaml')), 'with the file it failed on');

  done = true;
  const requests = await loop;
  assert.ok(visibleAfter !== undefined && visibleAfter < 1000, `visible after ${visibleAfter} ms`);
  assert.equal(failures, 0, `${failures} of ${requests} requests failed during reloads`);
  assert.ok(requests > 10);
});
