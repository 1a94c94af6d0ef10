// An OTLP/HTTP trace collector for the end-to-end tests. It decodes ExportTraceServiceRequest with
// protobufjs from the .proto text below (field numbers of open-telemetry/opentelemetry-proto, as in
// docs/spec/wire.md §4.1), so the gateway's hand-written encoder is checked by an independent decoder.
// Like Phoenix it answers 415 unless Content-Type is exactly `application/x-protobuf`, and rejects
// a body that does not decode.
//
//   const receiver = await startOtlpReceiver();
//   ... run the gateway with OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url ...
//   const spans = await receiver.waitForSpans(1);
//   spans[0].attributes['llm.token_count.total'] === 34n
//
// Spans come back as plain objects: ids as lowercase hex, times as BigInt nanoseconds, attribute
// values typed (string, BigInt for int, number for double, boolean, arrays of those).
import http from 'node:http';
import { once } from 'node:events';
import protobuf from 'protobufjs';

const OTLP_PROTO = `
syntax = "proto3";
package otlp;

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }

message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
  fixed32 flags = 16;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
}
message Status {
  string message = 2;
  int32 code = 3;
}
message KeyValue {
  string key = 1;
  AnyValue value = 2;
}
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: true }).root;
const RequestType = root.lookupType('otlp.ExportTraceServiceRequest');

export const SpanKind = Object.freeze({ UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 });
export const StatusCode = Object.freeze({ UNSET: 0, OK: 1, ERROR: 2 });

const hex = (bytes) => Buffer.from(bytes ?? []).toString('hex');
const bigint = (long) => (long == null ? 0n : BigInt(long.toString()));

function anyValue(value) {
  if (!value) return undefined;
  switch (value.value) {  // the name of the oneof member that is set
    case 'string_value': return value.string_value;
    case 'bool_value': return value.bool_value;
    case 'int_value': return bigint(value.int_value);
    case 'double_value': return value.double_value;
    case 'array_value': return (value.array_value.values ?? []).map(anyValue);
    case 'kvlist_value': return attributes(value.kvlist_value.values);
    case 'bytes_value': return Buffer.from(value.bytes_value);
    default: return undefined;
  }
}

/** KeyValue list → { key: typed value }; a repeated key throws (OTLP requires unique keys). */
function attributes(list = []) {
  const out = {};
  for (const { key, value } of list) {
    if (Object.hasOwn(out, key)) throw new Error(`attribute key repeated: ${key}`);
    out[key] = anyValue(value);
  }
  return out;
}

/** The raw protobufjs message of an ExportTraceServiceRequest body (throws if it does not decode). */
export function decodeExportTraceServiceRequest(body) {
  return RequestType.decode(body);
}

/** Every span of a request body as a plain object, with its resource and scope. */
export function spansOfRequest(body) {
  const request = decodeExportTraceServiceRequest(body);
  const spans = [];
  for (const resourceSpans of request.resource_spans) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scope_spans) {
      const scope = { name: scopeSpans.scope?.name ?? '', version: scopeSpans.scope?.version ?? '' };
      for (const span of scopeSpans.spans) {
        spans.push({
          traceId: hex(span.trace_id),
          spanId: hex(span.span_id),
          parentSpanId: hex(span.parent_span_id),  // '' for a root span
          traceState: span.trace_state,
          name: span.name,
          kind: span.kind,
          flags: span.flags,
          startTimeUnixNano: bigint(span.start_time_unix_nano),
          endTimeUnixNano: bigint(span.end_time_unix_nano),
          attributes: attributes(span.attributes),
          events: span.events.map((event) => ({
            name: event.name,
            timeUnixNano: bigint(event.time_unix_nano),
            attributes: attributes(event.attributes),
          })),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

/**
 * Starts the receiver on 127.0.0.1 (a free port). `respond(request, index)` may return
 * { status, headers, body } to script answers (e.g. 503 then 200); by default a valid export gets
 * 200 with an empty ExportTraceServiceResponse, as Phoenix sends.
 */
export async function startOtlpReceiver({ respond } = {}) {
  const requests = [];  // { method, path, headers, body: Buffer, spans }
  const waiters = new Set();
  const spanCount = () => requests.reduce((n, r) => n + r.spans.length, 0);
  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const recorded = { method: req.method, path: req.url, headers: req.headers, body, spans: [] };
      const index = requests.length;
      requests.push(recorded);
      let status = 200;
      let answer = Buffer.alloc(0);
      let headers = {};
      if (req.method !== 'POST') {
        status = 405;
      } else if (req.headers['content-type'] !== 'application/x-protobuf') {
        status = 415;
      } else {
        try {
          recorded.spans = spansOfRequest(body);
        } catch (error) {
          recorded.decodeError = error;
          status = 422;
        }
      }
      const scripted = status === 200 && respond ? respond(recorded, index) : undefined;
      if (scripted) {
        status = scripted.status ?? 200;
        headers = scripted.headers ?? {};
        answer = Buffer.from(scripted.body ?? []);
        if (status < 200 || status > 299) recorded.spans = [];  // not accepted
      }
      res.writeHead(status, { 'content-type': 'application/x-protobuf', 'content-length': answer.length, ...headers });
      res.end(answer);
      notify();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();

  return {
    port,
    /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
    url: `http://127.0.0.1:${port}`,
    /** For OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
    tracesUrl: `http://127.0.0.1:${port}/v1/traces`,
    requests,
    /** Spans accepted so far, in arrival order. */
    spans: () => requests.flatMap((r) => r.spans),
    /** Resolves with the accepted spans once there are at least `count`; rejects after `timeoutMs`. */
    waitForSpans(count, timeoutMs = 15000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (spanCount() < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(requests.flatMap((r) => r.spans));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} spans, received ${spanCount()} in ${requests.length} requests`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
