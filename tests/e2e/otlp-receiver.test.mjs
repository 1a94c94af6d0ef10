// The e2e OTLP receiver itself (lib/otlp-receiver.mjs): it must decode what the spec says an
// ExportTraceServiceRequest is, and refuse what Phoenix refuses, before gateway tests rely on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { request } from './lib/harness.mjs';
import { SpanKind, StatusCode, startOtlpReceiver } from './lib/otlp-receiver.mjs';

// docs/spec/wire.md §4.2, verified there with protoc --decode.
const SPEC_VECTOR = Buffer.from(
  '0aa2010a160a140a0c736572766963652e6e616d6512040a0267771287010a040a026777127f0a1001020304050607' +
    '08090a0b0c0d0e0f10120811121314151617182a046368617430033900002a36fe9c97174100cac471fe9c97174a' +
    '200a176f70656e696e666572656e63652e7370616e2e6b696e6412050a034c4c4d4a1b0a156c6c6d2e746f6b656e' +
    '5f636f756e742e746f74616c120218227a081204626f6f6d1802',
  'hex',
);

const post = (url, body, contentType = 'application/x-protobuf') =>
  request(url, { method: 'POST', headers: { 'content-type': contentType }, body, raw: true });

test('the receiver decodes the spec test vector into typed span fields', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  const res = await post(receiver.tracesUrl, SPEC_VECTOR);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/x-protobuf');
  const [span] = await receiver.waitForSpans(1);
  assert.deepEqual(span.resource, { 'service.name': 'gw' });
  assert.deepEqual(span.scope, { name: 'gw', version: '' });
  assert.equal(span.traceId, '0102030405060708090a0b0c0d0e0f10');
  assert.equal(span.spanId, '1112131415161718');
  assert.equal(span.parentSpanId, '');
  assert.equal(span.name, 'chat');
  assert.equal(span.kind, SpanKind.CLIENT);
  assert.equal(span.startTimeUnixNano, 1700000000000000000n);
  assert.equal(span.endTimeUnixNano, 1700000001000000000n);
  assert.deepEqual(span.attributes, { 'openinference.span.kind': 'LLM', 'llm.token_count.total': 34n });
  assert.deepEqual(span.status, { code: StatusCode.ERROR, message: 'boom' });
  assert.equal(receiver.requests[0].path, '/v1/traces');
});

test('the receiver refuses what Phoenix refuses', async (t) => {
  const receiver = await startOtlpReceiver();
  t.after(() => receiver.close());
  assert.equal((await post(receiver.tracesUrl, SPEC_VECTOR, 'application/json')).status, 415);
  assert.equal((await post(receiver.tracesUrl, SPEC_VECTOR, 'application/x-protobuf; charset=utf-8')).status, 415);
  assert.equal((await post(receiver.tracesUrl, Buffer.from([0x0a, 0xff, 0x01]))).status, 422);
  assert.deepEqual(receiver.spans(), []);
});

test('scripted answers: a 503 first, then acceptance', async (t) => {
  const receiver = await startOtlpReceiver({
    respond: (_request, index) => (index === 0 ? { status: 503, headers: { 'retry-after': '1' } } : undefined),
  });
  t.after(() => receiver.close());
  const first = await post(receiver.tracesUrl, SPEC_VECTOR);
  assert.equal(first.status, 503);
  assert.equal(first.headers['retry-after'], '1');
  assert.deepEqual(receiver.spans(), []);
  assert.equal((await post(receiver.tracesUrl, SPEC_VECTOR)).status, 200);
  assert.equal((await receiver.waitForSpans(1)).length, 1);
});
