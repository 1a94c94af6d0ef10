// Client authentication (Envoy Gateway SecurityPolicy): API keys from a Secret, JWTs verified with
// a local JWKS and with a remote JWKS served over TLS by a test CA (key rotation included),
// authorization rules, the client id seen by a Distinct rate limit and written to the access log.
// The official `openai` client is the user; Anthropic and Gemini paths check their own envelopes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, createSign, randomBytes } from 'node:crypto';
import https from 'node:https';
import http2 from 'node:http2';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { startEmulator, startGateway, makeTempDir, makeSelfSignedCa, writeFile, request } from './lib/harness.mjs';
import { vertexBackend } from './lib/manifests.mjs';

const ALICE_KEY = `sk-alice-${randomBytes(12).toString('hex')}`;
const BOB_KEY = `sk-bob-${randomBytes(12).toString('hex')}`;

let dir;
let emulator;
let gateway;
let jwksServer;
let jwksPort;
let jwksFetches = 0;
let servedKeys = [];  // the JWKS the server answers with now

// --- keys and tokens -----------------------------------------------------------------------------

function rsaKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function ecKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid } };
}

const b64url = (data) => Buffer.from(data).toString('base64url');

function signJwt(key, claims, { kid = key.kid, lifetime = 600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: key.alg, typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify({ iat: now, exp: now + lifetime, ...claims }));
  const signer = createSign('SHA256');
  signer.update(`${header}.${payload}`);
  const signature = key.alg === 'ES256'
    ? signer.sign({ key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : signer.sign(key.privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

const localKey = ecKey('local-1');
const strangerKey = ecKey('local-1');  // same kid, other key: a forged signature
const remoteA = rsaKey('remote-a');
const remoteB = rsaKey('remote-b');

// --- a JWKS server over TLS with a certificate from a test CA -------------------------------------

async function makeServerCert(caDir) {
  const run = (args) => {
    const res = spawnSync('openssl', args, { encoding: 'utf8', cwd: caDir });
    if (res.status !== 0) throw new Error(`openssl ${args[0]} failed: ${res.stderr}`);
  };
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server-key.pem', '-out', 'server.csr']);
  await writeFile(path.join(caDir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'jwks-ca-cert.pem', '-CAkey', 'jwks-ca-key.pem', '-CAcreateserial',
    '-days', '2', '-extfile', 'san.ext', '-out', 'server-cert.pem']);
  return {
    key: await readFile(path.join(caDir, 'server-key.pem'), 'utf8'),
    cert: await readFile(path.join(caDir, 'server-cert.pem'), 'utf8'),
  };
}

// --- manifests -----------------------------------------------------------------------------------

function route(name, model) {
  return `
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: ${name}}
spec:
  parentRefs: [{name: eg}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs: [{name: emu, modelNameOverride: gemini-2.5-flash}]`;
}

function manifests(jwksCaPem) {
  const localJwks = JSON.stringify({ keys: [localKey.jwk] });
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: eg}
spec: {gatewayClassName: eg, listeners: [{name: http, protocol: HTTP, port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data: {ca.crt: ${JSON.stringify(emulator.caPem)}}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata: {name: gcp}
spec:
  targetRefs: [{group: aigateway.envoyproxy.io, kind: AIServiceBackend, name: emu}]
  type: GCPCredentials
  gcpCredentials: {projectName: p, region: us-central1, credentialsFile: {secretRef: {name: sa}}}
${vertexBackend('emu', { port: emulator.port }).trim()}
${route('keyed', 'keyed-model')}
${route('local-jwt', 'local-model')}
${route('remote-jwt', 'remote-model')}
${route('untrusted-jwt', 'untrusted-model')}
${route('open', 'open-model')}
${route('cookie-keyed', 'cookie-model')}
---
apiVersion: v1
kind: Secret
metadata: {name: client-keys}
stringData: {alice: ${ALICE_KEY}, bob: ${BOB_KEY}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: keyed}]
  apiKeyAuth:
    credentialRefs: [{name: client-keys}]
    extractFrom: [{headers: [authorization, x-api-key, x-goog-api-key]}]
    forwardClientIDHeader: x-client-id
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: cookie-keys}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: cookie-keyed}]
  apiKeyAuth:
    credentialRefs: [{name: client-keys}]
    extractFrom: [{cookies: [gw-key]}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: keyed-limit}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: keyed}]
  rateLimit:
    type: Global
    global:
      rules:
        - clientSelectors: [{headers: [{name: x-client-id, type: Distinct}]}]
          limit: {requests: 3, unit: Hour}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: local-jwt}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: local-jwt}]
  jwt:
    providers:
      - name: local
        issuer: https://issuer.test
        audiences: [switchyard]
        localJWKS: {type: Inline, inline: '${localJwks}'}
        claimToHeaders: [{header: x-team, claim: org.team}]
  authorization:
    defaultAction: Allow
    rules:
      - name: no-interns
        action: Deny
        principal: {jwt: {provider: local, claims: [{name: roles, valueType: StringArray, values: [intern]}]}}
      - name: no-red-team
        action: Deny
        principal: {headers: [{name: x-team, values: [red]}]}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata: {name: jwks}
spec: {endpoints: [{ip: {address: 127.0.0.1, port: ${jwksPort}}}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: jwks-ca}
data: {ca.crt: ${JSON.stringify(jwksCaPem)}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: jwks}
spec:
  targetRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: jwks}]
  validation: {hostname: localhost, caCertificateRefs: [{kind: ConfigMap, name: jwks-ca}]}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: remote-jwt}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: remote-jwt}]
  jwt:
    providers:
      - name: remote
        remoteJWKS:
          uri: https://localhost:${jwksPort}/jwks.json
          backendRefs: [{group: gateway.envoyproxy.io, kind: Backend, name: jwks}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: untrusted-jwt}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: untrusted-jwt}]
  jwt:
    providers:
      - name: untrusted
        remoteJWKS: {uri: 'https://127.0.0.1:${jwksPort}/jwks.json'}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: office-only}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: open}]
  authorization:
    defaultAction: Deny
    rules:
      - action: Allow
        principal: {clientCIDRs: [10.0.0.0/8, 192.168.0.0/16]}
`;
}

const hello = (model) => ({ model, messages: [{ role: 'user', content: 'hello' }] });

function openai(headers = {}, apiKey = 'none') {
  return new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, defaultHeaders: headers, maxRetries: 0 });
}

async function expectStatus(promise, status) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status, status, `${err.status} ${err.message}`);
    return true;
  });
}

before(async () => {
  dir = await makeTempDir('switchyard-client-auth-');
  emulator = await startEmulator({ dir });
  const caDir = path.join(dir, 'jwks-ca');
  const jwksCaPem = await makeSelfSignedCa(caDir, 'jwks-ca');
  const { key, cert } = await makeServerCert(caDir);
  servedKeys = [remoteA.jwk];
  jwksServer = https.createServer({ key, cert }, (req, res) => {
    jwksFetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: servedKeys }));
  });
  await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksPort = jwksServer.address().port;
  await writeFile(`${dir}/secrets/sa/service_account.json`, emulator.serviceAccountJson);
  await writeFile(`${dir}/client-auth.yaml`, manifests(jwksCaPem));
  gateway = await startGateway({ args: ['-c', `${dir}/client-auth.yaml`, '--secrets-dir', `${dir}/secrets`, '--workers', '1'],
    env: { SSL_CERT_FILE: emulator.trustBundle } });
});

after(async () => {
  if (process.env.CLIENT_AUTH_DEBUG) console.error(gateway?.process.output().slice(-4000));
  await gateway?.stop();
  await emulator?.stop();
  jwksServer?.close();
});

test('API keys: a known key passes as its client, a missing or wrong one is 401 in the OpenAI envelope', async () => {
  const ok = await openai({}, ALICE_KEY).chat.completions.create(hello('keyed-model'));
  assert.ok(ok.choices[0].message.content.length > 0);
  // Any header of extractFrom; the first one present is the one checked.
  const viaHeader = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'x-api-key': BOB_KEY }, body: hello('keyed-model'),
  });
  assert.equal(viaHeader.status, 200, viaHeader.body);

  const missing = await request(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: hello('keyed-model') });
  assert.equal(missing.status, 401);
  const body = missing.json();
  assert.equal(body.error.type, 'authentication_error');
  assert.match(body.error.message, /missing API key/);
  await expectStatus(openai({}, `${ALICE_KEY}x`).chat.completions.create(hello('keyed-model')), 401);

  // The access log is flushed every 50 ms: wait for the last refusal's line.
  await gateway.process.waitForLine((line) => (line.includes('"response_code":401') ? line : undefined), 5000);
  const lines = gateway.accessLog().filter((l) => l['gen_ai.request.model'] === 'keyed-model');
  assert.ok(lines.some((l) => l['client-id'] === 'alice' && l.response_code === 200));
  assert.ok(lines.some((l) => l['client-id'] === 'bob' && l.response_code === 200));
  assert.ok(lines.some((l) => l.response_code === 401 && l['client-id'] === null));
  const everything = gateway.process.stdoutLines.join('\n') + gateway.process.stderrLines?.join('\n');
  assert.ok(!everything.includes(ALICE_KEY) && !everything.includes(BOB_KEY), 'an API key was logged');
});

// RFC 9113 §8.2.3: an HTTP/2 client may send cookie as several fields (crumbs); the gateway
// joins them, so a key in any crumb is found as in an HTTP/1.1 Cookie header.
test('API keys from a cookie: over h2c, a key in the second of two cookie fields passes', async () => {
  const session = http2.connect(gateway.url);
  try {
    const ask = (cookies) => new Promise((resolve, reject) => {
      // Node sends each value of an array as a field of its own.
      const req = session.request({ ':method': 'POST', ':path': '/v1/chat/completions',
        'content-type': 'application/json', cookie: cookies });
      let status;
      let text = '';
      req.setEncoding('utf8');
      req.on('response', (h) => { status = h[':status']; });
      req.on('data', (d) => { text += d; });
      req.on('end', () => resolve({ status, body: text }));
      req.on('error', reject);
      req.end(JSON.stringify(hello('cookie-model')));
    });
    const joined = await ask(['theme=dark', `gw-key=${ALICE_KEY}`]);
    assert.equal(joined.status, 200, joined.body);
    assert.equal(JSON.parse(joined.body).object, 'chat.completion');
    const first = await ask([`gw-key=${BOB_KEY}; lang=en`, 'theme=dark']);
    assert.equal(first.status, 200, first.body);
    const wrong = await ask(['theme=dark', `gw-key=${ALICE_KEY}x`]);
    assert.equal(wrong.status, 401, wrong.body);
    const none = await ask(['theme=dark', 'lang=en']);
    assert.equal(none.status, 401, none.body);
  } finally {
    session.close();
  }
});

test('API keys: refusals use the Anthropic and Gemini envelopes on their paths', async () => {
  const anthropic = await request(`${gateway.url}/anthropic/v1/messages`, {
    method: 'POST', headers: { 'x-api-key': 'sk-wrong' },
    body: { model: 'keyed-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
  });
  assert.equal(anthropic.status, 401);
  assert.equal(anthropic.json().type, 'error');
  assert.equal(anthropic.json().error.type, 'authentication_error');

  const gemini = await request(`${gateway.url}/v1beta/models/keyed-model:generateContent`, {
    method: 'POST', headers: { 'x-goog-api-key': 'wrong' }, body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
  });
  assert.equal(gemini.status, 401);
  assert.equal(gemini.json().error.status, 'UNAUTHENTICATED');
  assert.equal(gemini.json().error.code, 401);
});

test('API keys: the forwarded client id is what a Distinct rate limit counts, whatever the client sends', async () => {
  // alice used 1 of her 3 in the first test; she claims to be bob, which changes nothing.
  const alice = openai({ 'x-client-id': 'bob' }, ALICE_KEY);
  await alice.chat.completions.create(hello('keyed-model'));
  await alice.chat.completions.create(hello('keyed-model'));
  await expectStatus(alice.chat.completions.create(hello('keyed-model')), 429);
  const bob = await openai({}, BOB_KEY).chat.completions.create(hello('keyed-model'));
  assert.ok(bob.choices.length > 0);
});

test('JWT with a local JWKS: issuer, audience, expiry and signature are checked; claims drive authorization', async () => {
  const good = { iss: 'https://issuer.test', aud: 'switchyard', sub: 'carol', org: { team: 'blue' }, roles: ['dev'] };
  const res = await openai({}, signJwt(localKey, good)).chat.completions.create(hello('local-model'));
  assert.ok(res.choices.length > 0);

  for (const [label, token] of [
    ['expired', signJwt(localKey, good, { lifetime: -3600 })],
    ['wrong audience', signJwt(localKey, { ...good, aud: 'someone-else' })],
    ['wrong issuer', signJwt(localKey, { ...good, iss: 'https://evil.test' })],
    ['forged signature', signJwt(strangerKey, good)],
  ]) {
    const answer = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${token}` }, body: hello('local-model'),
    });
    assert.equal(answer.status, 401, label);
    assert.equal(answer.headers['www-authenticate'], 'Bearer realm="switchyard"', label);
  }
  await expectStatus(openai().chat.completions.create(hello('local-model')), 401);

  // A claim rule, and a header rule on the header claimToHeaders set from org.team.
  await expectStatus(openai({}, signJwt(localKey, { ...good, roles: ['dev', 'intern'] })).chat.completions.create(hello('local-model')), 403);
  await expectStatus(openai({}, signJwt(localKey, { ...good, org: { team: 'red' } })).chat.completions.create(hello('local-model')), 403);
  // The client cannot set that header itself to get around the rule: the claim's value replaces it.
  const blue = openai({ 'x-team': 'red' }, signJwt(localKey, good));
  assert.ok((await blue.chat.completions.create(hello('local-model'))).choices.length > 0);
  // The token's sub is the client id of the access log (flushed every 50 ms).
  await gateway.process.waitForLine((line) => (/"client-id":"carol".*"response_code":200|"response_code":200.*"client-id":"carol"/.test(line) ? line : undefined), 5000);
});

test('JWT with a remote JWKS over TLS from a test CA: cached, refetched when the issuer rotates keys', async () => {
  const before = jwksFetches;
  const first = await openai({}, signJwt(remoteA, { sub: 'dave' })).chat.completions.create(hello('remote-model'));
  assert.ok(first.choices.length > 0);
  await openai({}, signJwt(remoteA, { sub: 'dave' })).chat.completions.create(hello('remote-model'));
  assert.equal(jwksFetches, before, 'the JWKS fetched at start-up is cached');

  // Rotation: the issuer now publishes only key B and signs with it.
  servedKeys = [remoteB.jwk];
  const rotated = await openai({}, signJwt(remoteB, { sub: 'dave' })).chat.completions.create(hello('remote-model'));
  assert.ok(rotated.choices.length > 0);
  assert.equal(jwksFetches, before + 1, 'one refetch for the unknown kid');

  // The retired key no longer verifies, and unknown kids do not make the gateway refetch again
  // right away.
  await expectStatus(openai({}, signJwt(remoteA, { sub: 'dave' })).chat.completions.create(hello('remote-model')), 401);
  await expectStatus(openai({}, signJwt(remoteB, { sub: 'dave' }, { kid: 'made-up' })).chat.completions.create(hello('remote-model')), 401);
  assert.equal(jwksFetches, before + 1);
});

test('JWT with a remote JWKS whose certificate the gateway does not trust: never verified, 401', async () => {
  const answer = await request(`${gateway.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${signJwt(remoteB, { sub: 'eve' })}` }, body: hello('untrusted-model'),
  });
  assert.equal(answer.status, 401);
  assert.match(answer.json().error.message, /Jwks remote fetch is failed/);
});

test('authorization by client CIDR: a client outside the ranges gets 403 in the OpenAI envelope', async () => {
  const answer = await request(`${gateway.url}/v1/chat/completions`, { method: 'POST', body: hello('open-model') });
  assert.equal(answer.status, 403);
  assert.equal(answer.json().error.type, 'permission_error');
  assert.match(answer.json().error.message, /access denied by SecurityPolicy default\/office-only/);
});
