// Added latency of a fallback: a primary that refuses connections and one whose host does not
// resolve, each on the first request (the failure is paid) and after ejection (the primary is
// skipped), against the same fallback backend reached directly. Medians from one run.
//
//   node bench/fallback_latency.mjs            (uses build/switchyard and the e2e harness)
import { startEmulator, startGateway, makeTempDir, writeFile, closedPort } from '../tests/e2e/lib/harness.mjs';
import { emulatorManifest, vertexBackend } from '../tests/e2e/lib/manifests.mjs';

const rounds = Number(process.env.ROUNDS ?? 15);
const afterEjection = Number(process.env.AFTER ?? 30);

// The emulator manifest plus one extra AIServiceBackend + Backend `name` in front of it (never
// reached, so no TLS policy).
function withPrimary(base, name, where) {
  return base.replace('backendRefs: [{name: emu}]',
    `backendRefs: [{name: ${name}, modelNameOverride: gemini-2.5-flash, priority: 0}, {name: emu, priority: 1}]`)
    .replace('targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emu}]',
      `targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emu}, {group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: ${name}}]`) +
    vertexBackend(name, { ...where, tls: false }) + '\n';
}

async function timeRequest(url) {
  const started = process.hrtime.bigint();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'latency' }] }),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return Number(process.hrtime.bigint() - started) / 1000;  // µs
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const dir = await makeTempDir();
const emulator = await startEmulator({ dir });
await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
const base = emulatorManifest(emulator);
const setups = {
  direct: base,
  refused: withPrimary(base, 'primary', { port: await closedPort() }),
  unresolvable: withPrimary(base, 'primary', { fqdn: 'primary.broken.invalid' }),
};

const results = {};
for (const [name, yaml] of Object.entries(setups)) {
  const first = [];
  const later = [];
  for (let round = 0; round < rounds; round++) {
    // A fresh gateway each round, warmed on another model path so token and upstream pool are ready.
    await writeFile(`${dir}/${name}.yaml`, yaml);
    const gateway = await startGateway({
      args: ['-c', `${dir}/${name}.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1'],
      env: { SSL_CERT_FILE: emulator.trustBundle },
    });
    await new Promise((r) => setTimeout(r, 300));  // the token prefetch lands
    first.push(await timeRequest(gateway.url));
    for (let i = 0; i < afterEjection; i++) later.push(await timeRequest(gateway.url));
    await gateway.stop();
  }
  results[name] = { first: median(first), later: median(later) };
}
const d = results.direct;
console.log('| setup | first request p50 (µs) | after ejection p50 (µs) | added vs direct: first / after |');
console.log('|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.first.toFixed(0)} | ${r.later.toFixed(0)} | ${(r.first - d.first).toFixed(0)} / ${(r.later - d.later).toFixed(0)} |`);
}
console.log(`\n${rounds} fresh gateways per setup (--workers 1); "after ejection" = ${afterEjection} requests each; one run.`);
await emulator.stop();
process.exit(0);
