// The client listener over TLS: a Gateway's HTTPS listener with a certificate Secret makes --listen
// serve TLS, h2 or http/1.1 by ALPN (ClientTrafficPolicy spec.tls can narrow it); a reload rotates
// the certificate for new connections without dropping open ones; a key that does not fit is a
// config error that keeps the running certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rename } from 'node:fs/promises';
import http2 from 'node:http2';
import path from 'node:path';
import tls from 'node:tls';
import {
  startEmulator, startGateway, makeTempDir, makeSelfSignedCa, writeFile, runNode, e2eDir, binPath,
} from './lib/harness.mjs';
import { writeEmulatorSetup } from './lib/manifests.mjs';

let dir;
let emulator;
let gateway;
let first;   // { caFile, caPem, certPem, keyPem } issued by CA "one"
let second;  // the same, by CA "two"

// A CA (openssl CLI) and a server certificate it signs for localhost and 127.0.0.1 (or `names`).
async function issue(name, { cn = 'localhost', names = 'DNS:localhost,IP:127.0.0.1' } = {}) {
  const caPem = await makeSelfSignedCa(dir, name);
  const key = path.join(dir, `${name}-server-key.pem`);
  const cert = path.join(dir, `${name}-server-cert.pem`);
  const res = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-CA', path.join(dir, `${name}-cert.pem`), '-CAkey', path.join(dir, `${name}-key.pem`),
    '-addext', `subjectAltName=${names}`, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-keyout', key, '-out', cert], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const { readFile } = await import('node:fs/promises');
  return { caFile: path.join(dir, `${name}-cert.pem`), caPem, certPem: await readFile(cert, 'utf8'), keyPem: await readFile(key, 'utf8') };
}

function listenerManifest({ certPem, keyPem }, clientTls) {
  const policy = clientTls ? `
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: client-tls}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
  tls: ${JSON.stringify(clientTls)}` : '';
  return `
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: switchyard
  listeners:
    - name: https
      protocol: HTTPS
      port: 443
      tls:
        mode: Terminate
        certificateRefs: [{kind: Secret, name: listener-cert}]
---
apiVersion: v1
kind: Secret
metadata: {name: listener-cert}
type: kubernetes.io/tls
stringData:
  tls.crt: ${JSON.stringify(certPem)}
  tls.key: ${JSON.stringify(keyPem)}
${policy}
`;
}

// Replaces a manifest the way editors and `kubectl` tooling do: write aside, rename over.
async function replaceListener(text) {
  await writeFile(`${dir}/listener.yaml.tmp`, text);
  await rename(`${dir}/listener.yaml.tmp`, `${dir}/listener.yaml`);
}

before(async () => {
  dir = await makeTempDir();
  first = await issue('one');
  second = await issue('two');
  emulator = await startEmulator({ dir });
  const args = await writeEmulatorSetup(dir, emulator);
  await writeFile(`${dir}/listener.yaml`, listenerManifest(first));
  gateway = await startGateway({ args: [...args, '-c', `${dir}/listener.yaml`], env: { SSL_CERT_FILE: emulator.trustBundle } });
});

after(async () => {
  await gateway?.stop();
  await emulator?.stop();
});

const httpsUrl = () => `https://localhost:${gateway.port}`;
const chat = (content) => JSON.stringify({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content }] });

// curl's body, then a last line "<http_version> <status>"; `ok: false` when curl itself failed.
function curl(args) {
  const r = spawnSync('curl', ['-sS', '--max-time', '20', '-w', '\n%{http_version} %{http_code}', ...args], { encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, stderr: r.stderr };
  const cut = r.stdout.lastIndexOf('\n');
  const [version, status] = r.stdout.slice(cut + 1).split(' ');
  return { ok: true, body: r.stdout.slice(0, cut), version, status: Number(status) };
}

// The issuer CN of the certificate the listener presents to a new connection asking for
// `servername` (null: no SNI, as for an IP address).
function presentedIssuer(servername = 'localhost') {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port: gateway.port, rejectUnauthorized: false };
    if (servername !== null) options.servername = servername;
    const socket = tls.connect(options, () => {
      const issuer = socket.getPeerCertificate().issuer?.CN;
      socket.end();
      resolve(issuer);
    });
    socket.on('error', reject);
  });
}

async function waitForIssuer(cn, ms = 5000, servername = 'localhost') {
  const start = Date.now();
  let seen;
  while (Date.now() - start < ms) {
    seen = await presentedIssuer(servername);
    if (seen === cn) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the listener still presents a certificate from ${seen}, not ${cn}`);
}

function h2request(session, headers, body) {
  return new Promise((resolve, reject) => {
    const req = session.request(headers);
    let text = '';
    let head;
    req.setEncoding('utf8');
    req.on('response', (h) => { head = h; });
    req.on('data', (d) => { text += d; });
    req.on('end', () => resolve({ status: head?.[':status'], body: text }));
    req.on('error', reject);
    req.end(body);
  });
}

test('curl --http2 over TLS negotiates h2; --http1.1 gets HTTP/1.1; plaintext is not served', () => {
  const h2 = curl(['--http2', '--cacert', first.caFile, '-H', 'content-type: application/json',
    '--data', chat('hello over h2 and TLS'), `${httpsUrl()}/v1/chat/completions`]);
  assert.ok(h2.ok, h2.stderr);
  assert.equal(h2.version, '2');
  assert.equal(h2.status, 200);
  assert.match(JSON.parse(h2.body).choices[0].message.content, /hello over h2 and TLS/);

  const h1 = curl(['--http1.1', '--cacert', first.caFile, `${httpsUrl()}/v1/models`]);
  assert.ok(h1.ok, h1.stderr);
  assert.equal(h1.version, '1.1');
  assert.equal(h1.status, 200);
  assert.ok(JSON.parse(h1.body).data.some((m) => m.id === 'gemini-2.5-flash'));

  // Without the CA the certificate is refused: it is really verified, and really ours.
  assert.equal(curl(['--http1.1', `${httpsUrl()}/v1/models`]).ok, false);
  // The TLS listener speaks no plaintext.
  const plain = curl(['--http1.1', `http://127.0.0.1:${gateway.port}/v1/models`]);
  assert.ok(!plain.ok || plain.status !== 200);
});

test('the openai client over https, trusting the CA: unary and streamed', async () => {
  for (const stream of [false, true]) {
    const job = { baseURL: `${httpsUrl()}/v1`, model: 'gemini-2.5-flash', content: `openai over TLS ${stream}`, stream };
    const res = await runNode(path.join(e2eDir, 'lib/openai_chat.mjs'), [JSON.stringify(job)], {
      env: { NODE_EXTRA_CA_CERTS: first.caFile },
    });
    assert.equal(res.code, 0, res.stderr);
    const answer = JSON.parse(res.stdout.trim().split('\n').at(-1));
    assert.equal(answer.model, 'gemini-2.5-flash');
    assert.match(answer.content, new RegExp(`openai over TLS ${stream}`));
  }
});

test('a reload rotates the certificate for new connections; an open HTTP/2 connection keeps going', async () => {
  const session = http2.connect(httpsUrl(), { ca: first.caPem });
  try {
    const before = await h2request(session, { ':method': 'GET', ':path': '/v1/models' });
    assert.equal(before.status, 200);

    await replaceListener(listenerManifest(second));
    await waitForIssuer('two test CA');
    const fresh = curl(['--http2', '--cacert', second.caFile, `${httpsUrl()}/v1/models`]);
    assert.ok(fresh.ok, fresh.stderr);
    assert.equal(fresh.version, '2');
    assert.equal(curl(['--http2', '--cacert', first.caFile, `${httpsUrl()}/v1/models`]).ok, false,
      'a new connection no longer gets the old certificate');

    // The connection opened before the reload still answers, on the old certificate.
    const after = await h2request(session, { ':method': 'POST', ':path': '/v1/chat/completions', 'content-type': 'application/json' },
      chat('still on the old connection'));
    assert.equal(after.status, 200);
    assert.match(JSON.parse(after.body).choices[0].message.content, /still on the old connection/);
    assert.equal(session.socket.getPeerCertificate().issuer.CN, 'one test CA');
  } finally {
    session.close();
  }
});

test('a key that does not belong to the certificate is refused with file:line; the running certificate stays', async () => {
  const mismatched = listenerManifest({ certPem: first.certPem, keyPem: second.keyPem });
  // `check` names the Secret reference's file and line.
  await writeFile(`${dir}/bad-listener.yaml`, mismatched);
  const check = spawnSync(binPath(), ['check', '-c', `${dir}/bad-listener.yaml`], { encoding: 'utf8' });
  assert.equal(check.status, 2, check.stdout + check.stderr);
  assert.match(check.stderr + check.stdout, /bad-listener\.yaml:13: Gateway default\/gw: spec\.listeners\[0\]\.tls\.certificateRefs\[0\]: .*does not belong to the certificate/);

  const failedBefore = gateway.process.stderrLines.filter((l) => l.includes('reload failed')).length;
  await replaceListener(mismatched);
  await gateway.process.waitForLine((line) =>
    line.includes('reload failed') && gateway.process.stderrLines.filter((l) => l.includes('reload failed')).length > failedBefore ? true : undefined, 5000);
  assert.ok(gateway.process.stderrLines.some((l) => /listener\.yaml:\d+: .*does not belong to the certificate/.test(l)));
  const still = curl(['--http2', '--cacert', second.caFile, `${httpsUrl()}/v1/models`]);
  assert.ok(still.ok, still.stderr);
  assert.equal(still.status, 200);
});

test('ClientTrafficPolicy tls.alpnProtocols [http/1.1] keeps curl --http2 on HTTP/1.1; minVersion 1.3 refuses TLS 1.2', async () => {
  await replaceListener(listenerManifest(second, { alpnProtocols: ['http/1.1'], minVersion: '1.3' }));
  const start = Date.now();
  let res;
  while (Date.now() - start < 5000) {
    res = curl(['--http2', '--cacert', second.caFile, `${httpsUrl()}/v1/models`]);
    if (res.ok && res.version === '1.1') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(res.version, '1.1');
  assert.equal(res.status, 200);
  assert.equal(curl(['--tlsv1.2', '--tls-max', '1.2', '--cacert', second.caFile, `${httpsUrl()}/v1/models`]).ok, false);
  assert.ok(curl(['--tlsv1.3', '--cacert', second.caFile, `${httpsUrl()}/v1/models`]).ok);
});

// Several certificates: those of a listener's certificateRefs and of every HTTPS listener. The
// client's SNI picks one by its names, an exact name before a wildcard; no SNI, or a name no
// certificate has, gets the first.
test('SNI chooses among the HTTPS listeners\' certificates; no SNI or an unknown name gets the first', async () => {
  const api = await issue('api', { cn: 'api.example.test', names: 'DNS:api.example.test' });
  const wild = await issue('wild', { cn: 'wildcard', names: 'DNS:*.example.test' });
  const secret = (name, { certPem, keyPem }) => `
---
apiVersion: v1
kind: Secret
metadata: {name: ${name}}
type: kubernetes.io/tls
stringData:
  tls.crt: ${JSON.stringify(certPem)}
  tls.key: ${JSON.stringify(keyPem)}`;
  await replaceListener(`
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: switchyard
  listeners:
    - name: https
      protocol: HTTPS
      port: 443
      tls: {certificateRefs: [{name: listener-cert}, {name: wild-cert}]}
    - name: api
      protocol: HTTPS
      port: 443
      hostname: api.example.test
      tls: {certificateRefs: [{name: api-cert}]}
${secret('listener-cert', first)}
${secret('wild-cert', wild)}
${secret('api-cert', api)}
`);
  await waitForIssuer('api test CA', 5000, 'api.example.test');
  const cases = [
    ['localhost', 'one test CA'],
    [null, 'one test CA'],
    ['api.example.test', 'api test CA'],
    ['API.Example.TEST', 'api test CA'],
    ['web.example.test', 'wild test CA'],
    ['a.b.example.test', 'one test CA'],
    ['example.test', 'one test CA'],
    ['unknown.test', 'one test CA'],
  ];
  for (const [servername, issuer] of cases)
    assert.equal(await presentedIssuer(servername), issuer, `SNI ${servername}`);

  // A whole exchange on the chosen certificate, verified, with h2 agreed by ALPN after the switch.
  const res = curl(['--http2', '--cacert', api.caFile, '--resolve', `api.example.test:${gateway.port}:127.0.0.1`,
    `https://api.example.test:${gateway.port}/v1/models`]);
  assert.ok(res.ok, res.stderr);
  assert.equal(res.version, '2');
  assert.equal(res.status, 200);
  const web = curl(['--http1.1', '--cacert', wild.caFile, '--resolve', `web.example.test:${gateway.port}:127.0.0.1`,
    `https://web.example.test:${gateway.port}/v1/models`]);
  assert.ok(web.ok, web.stderr);
  assert.equal(web.status, 200);
});
