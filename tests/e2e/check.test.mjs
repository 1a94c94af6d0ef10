// `switchyard check` on real manifest sets: Envoy AI Gateway's own examples and examples/gcp-vertex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const bin = process.env.SWITCHYARD_BIN ?? path.join(repo, 'build/switchyard');

function check(args, env = {}) {
  return spawnSync(bin, ['check', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

test('the Envoy AI Gateway example manifests load, with unsupported kinds reported', () => {
  const examples = path.join(repo, 'tests/unit/config/testdata/envoy-aigw-examples.yaml');
  const res = check(['-c', examples]);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /Deployment/);
  assert.match(res.stderr, /AWSBedrock/);
  assert.match(res.stdout, /gemini-2\.5-flash/);
  assert.match(res.stdout, /us-central1-aiplatform\.googleapis\.com/);
});

test('examples/gcp-vertex loads with a key from --secrets-dir and prints the fallback plan', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-check-'));
  const secret = path.join(dir, 'envoy-ai-gateway-basic-gcp-service-account-key-file');
  mkdirSync(secret, { recursive: true });
  const key = {
    type: 'service_account', project_id: 'p', private_key_id: 'k1', client_email: 'gw@p.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
    private_key: readFileSync(path.join(here, 'fixtures/test-key.pem'), 'utf8'),
  };
  writeFileSync(path.join(secret, 'service_account.json'), JSON.stringify(key));
  const ex = path.join(repo, 'examples/gcp-vertex');
  const res = check(['-c', `${ex}/basic.yaml`, '-c', `${ex}/gcp_vertex.yaml`, '-c', `${ex}/backend-tls-policy.yaml`,
    '--secrets-dir', dir], { PROJECT_ID: 'my-project', REGION: 'europe-west4' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /vertex-virtual-model/);
  assert.match(res.stdout, /gemini-2\.5-pro/);
  assert.match(res.stdout, /gemini-2\.5-flash/);
  assert.match(res.stdout, /europe-west4-aiplatform\.googleapis\.com/);
  assert.match(res.stdout, /my-project/);
  assert.doesNotMatch(res.stdout + res.stderr, /PRIVATE KEY/);
});

test('a broken manifest exits 2 naming file, line, kind/name and field', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-check-'));
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, [
    'apiVersion: aigateway.envoyproxy.io/v1beta1',
    'kind: AIGatewayRoute',
    'metadata: {name: bad, namespace: default}',
    'spec:',
    '  rules:',
    '    - matches: [{headers: [{type: RegularExpression, name: x-ai-eg-model, value: "(unclosed"}]}]',
    '      backendRefs: [{name: x}]',
    '',
  ].join('\n'));
  const res = check(['-c', file]);
  assert.equal(res.status, 2);
  assert.match(res.stderr, /bad\.yaml:6/);
  assert.match(res.stderr, /AIGatewayRoute/);
  assert.match(res.stderr, /default\/bad/);
  assert.match(res.stderr, /spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value/);
});

test('an unset ${VAR} is an error naming the variable', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-check-'));
  const file = path.join(dir, 'env.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {x: "${SWITCHYARD_TEST_UNSET_VAR}"}\n');
  const res = check(['-c', file], { SWITCHYARD_TEST_UNSET_VAR: undefined });
  assert.equal(res.status, 2);
  assert.match(res.stderr, /SWITCHYARD_TEST_UNSET_VAR/);
});
