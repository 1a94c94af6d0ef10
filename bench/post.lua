-- wrk script: POST a fixed JSON body. BODY=vertex (direct to the upstream's :generateContent) or
-- BODY=openai (through the gateway's /v1/chat/completions; STREAM=1 asks for a streamed answer,
-- which the canned upstream sends as stream.sse; MODEL=canned-openai names the canned OpenAI-schema
-- backend instead, and the same body also suits an OpenAI-compatible upstream's own
-- /v1/chat/completions). PORTKEY_UPSTREAM=http://127.0.0.1:PORT adds the headers that send
-- Portkey's vertex-ai provider there (bench-notes.md). Prints one machine-readable line at the end.
local kind = os.getenv("BODY") or "openai"
local portkeyUpstream = os.getenv("PORTKEY_UPSTREAM")
if portkeyUpstream then
  wrk.headers["x-portkey-provider"] = "vertex-ai"
  wrk.headers["x-portkey-custom-host"] = portkeyUpstream
  wrk.headers["x-portkey-vertex-project-id"] = "p"
  wrk.headers["x-portkey-vertex-region"] = "us-central1"
  wrk.headers["Authorization"] = "Bearer canned-benchmark-token"
end
local prompt = "You are a concise assistant. In two sentences, explain what an AI gateway does and why it " ..
               "falls back to another backend when the first one fails."
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if kind == "vertex" then
  wrk.body = '{"contents":[{"role":"user","parts":[{"text":"' .. prompt .. '"}]}],' ..
             '"systemInstruction":{"parts":[{"text":"Answer briefly."}]},' ..
             '"generationConfig":{"temperature":0.2,"maxOutputTokens":256}}'
else
  local stream = os.getenv("STREAM") == "1" and ',"stream":true' or ''
  local model = os.getenv("MODEL")
  if model == nil or model == "" then model = "gemini-2.5-flash" end
  wrk.body = '{"model":"' .. model .. '","messages":[{"role":"system","content":"Answer briefly."},' ..
             '{"role":"user","content":"' .. prompt .. '"}],"temperature":0.2,"max_tokens":256' ..
             stream .. '}'
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d mean_us=%.1f " ..
    "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
