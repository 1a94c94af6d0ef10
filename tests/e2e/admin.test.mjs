// The admin listener as an orchestrator uses it: /healthz says the process lives, /readyz says it can
// serve (configuration loaded, listener up, an access token in hand) and why not when it cannot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, startGateway, makeTempDir, writeFile, closedPort, request } from './lib/harness.mjs';
import { emulatorManifest } from './lib/manifests.mjs';

let dir;
let emulator;

before(async () => {
  dir = await makeTempDir();
  emulator = await startEmulator({ dir });
});

after(async () => {
  await emulator?.stop();
});

async function gatewayWithKey(name, serviceAccount) {
  await writeFile(`${dir}/${name}/secrets/sa/service_account.json`, JSON.stringify(serviceAccount));
  await writeFile(`${dir}/${name}/routes.yaml`, emulatorManifest(emulator));
  return startGateway({
    args: ['-c', `${dir}/${name}/routes.yaml`, '--secrets-dir', `${dir}/${name}/secrets`],
    env: { SSL_CERT_FILE: emulator.trustBundle },
  });
}

async function readyz(gateway, { until, timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(`${gateway.adminUrl}/readyz`);
    if (!until || res.status === until || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('ready once the service account\'s token is in hand', async () => {
  const gateway = await gatewayWithKey('good', emulator.serviceAccount);
  try {
    assert.equal((await request(`${gateway.adminUrl}/healthz`)).status, 200);
    const res = await readyz(gateway, { until: 200 });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, 'ready\n');
  } finally {
    await gateway.stop();
  }
});

test('not ready, saying why, while no token can be obtained; alive all the same', async () => {
  const unreachable = { ...emulator.serviceAccount, token_uri: `https://127.0.0.1:${await closedPort()}/token` };
  const gateway = await gatewayWithKey('bad', unreachable);
  try {
    await new Promise((r) => setTimeout(r, 500));  // the first fetch has failed by now
    const res = await readyz(gateway);
    assert.equal(res.status, 503);
    assert.match(res.body, /^not ready: no backend of route default\/r rule 0 can get a credential: no access token .*\(policy default\/gcp\)/);
    assert.ok(!res.body.includes('PRIVATE KEY') && !res.body.includes(emulator.serviceAccount.private_key_id),
      'no secret in the reason');
    assert.equal((await request(`${gateway.adminUrl}/healthz`)).status, 200);
  } finally {
    await gateway.stop();
  }
});
