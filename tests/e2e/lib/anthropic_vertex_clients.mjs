// Anthropic's own Vertex client (@anthropic-ai/vertex-sdk) against an emulator, run as a child
// process so NODE_EXTRA_CA_CERTS (read only at start-up) can make it trust the emulator's CA. Usage:
//   node lib/anthropic_vertex_clients.mjs '<json job>'   job: { keyFile, baseUrl, project, location, model, steps: [...] }
// Prints one JSON object as the last line of stdout: { <step>: result | { error } }.
//
// The client authenticates with a GoogleAuth built from the emulator's service-account key; as in
// google_clients.mjs, a gaxios interceptor sends google-auth-library's fixed token URL to the key's
// token_uri.
import { readFileSync } from 'node:fs';
import { GoogleAuth, gaxios } from 'google-auth-library';
import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

function redirectingTransporter(tokenUri) {
  const transporter = new gaxios.Gaxios();
  transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url).startsWith(GOOGLE_TOKEN_URL)) config.url = new URL(tokenUri);
      return config;
    },
  });
  return transporter;
}

const weather = {
  name: 'get_weather',
  description: 'weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const steps = {
  async create({ client, model }) {
    const res = await client.messages.create({
      model, max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hello from claude' }],
    });
    return { id: res.id, type: res.type, role: res.role, model: res.model, content: res.content, stop_reason: res.stop_reason, usage: res.usage };
  },
  async stream({ client, model }) {
    const stream = client.messages.stream({
      model, max_tokens: 100, messages: [{ role: 'user', content: 'stream these four words' }],
    });
    const types = [];
    const texts = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') texts.push(event.delta.text);
    }
    const final = await stream.finalMessage();
    return { types, texts, final: { content: final.content, stop_reason: final.stop_reason, usage: final.usage } };
  },
  async tools({ client, model }) {
    const user = { role: 'user', content: 'call get_weather for Paris' };
    const first = await client.messages.create({ model, max_tokens: 200, tools: [weather], messages: [user] });
    const uses = first.content.filter((b) => b.type === 'tool_use');
    const second = await client.messages.create({
      model, max_tokens: 200, tools: [weather],
      messages: [user, { role: 'assistant', content: first.content },
        { role: 'user', content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: '18C' })) }],
    });
    return { stop_reason: first.stop_reason, uses, answer: second.content, second_stop: second.stop_reason };
  },
  async streamTools({ client, model }) {
    const stream = client.messages.stream({
      model, max_tokens: 200, tools: [weather], messages: [{ role: 'user', content: 'call get_weather for Oslo' }],
    });
    const final = await stream.finalMessage();
    return { content: final.content, stop_reason: final.stop_reason };
  },
  async thinking({ client, model }) {
    const params = {
      model, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [weather],
      messages: [{ role: 'user', content: 'think then call get_weather for Rome' }],
    };
    const stream = client.messages.stream(params);
    const deltas = [];
    for await (const event of stream) {
      if (event.type === 'content_block_delta') deltas.push(event.delta.type);
    }
    const first = await stream.finalMessage();
    const uses = first.content.filter((b) => b.type === 'tool_use');
    const second = await client.messages.create({
      ...params,
      messages: [...params.messages, { role: 'assistant', content: first.content },
        { role: 'user', content: uses.map((u) => ({ type: 'tool_result', tool_use_id: u.id, content: 'sunny' })) }],
    });
    return { deltas, first: first.content, second: second.content };
  },
  async countTokens({ client, model }) {
    const res = await client.messages.countTokens({
      model, system: 'be brief', messages: [{ role: 'user', content: 'hello from claude' }],
    });
    return res;
  },
  async error({ client, model }) {
    try {
      await client.messages.create({
        model, max_tokens: 10, messages: [{ role: 'user', content: 'x [[emulator: status=529]]' }],
      }, { maxRetries: 0 });
      return { thrown: false };
    } catch (err) {
      return { thrown: true, name: err.constructor.name, status: err.status, type: err.error?.error?.type, message: err.message };
    }
  },
  async badRequest({ client, model }) {
    try {
      await client.messages.create({ model, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] });
      return { thrown: false };
    } catch (err) {
      return { thrown: true, name: err.constructor.name, status: err.status, type: err.error?.error?.type, message: err.error?.error?.message };
    }
  },
  async streamError({ client, model }) {
    const texts = [];
    try {
      const stream = client.messages.stream({
        model, max_tokens: 100, messages: [{ role: 'user', content: 'a b c d [[emulator: stream_error_after=5]]' }],
      });
      for await (const event of stream) {
        if (event.type === 'content_block_delta') texts.push(event.delta.text);
      }
      return { thrown: false, texts };
    } catch (err) {
      return { thrown: true, texts, name: err.constructor.name, type: err.error?.error?.type, message: err.message };
    }
  },
};

for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_VERTEX_PROJECT_ID', 'CLOUD_ML_REGION',
  'ANTHROPIC_VERTEX_BASE_URL', 'GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT']) {
  delete process.env[name];
}

const job = JSON.parse(process.argv[2]);
const sa = JSON.parse(readFileSync(job.keyFile, 'utf8'));
const client = new AnthropicVertex({
  baseURL: `${job.baseUrl}/v1`,
  projectId: job.project,
  region: job.location,
  googleAuth: new GoogleAuth({ credentials: sa, scopes: [SCOPE], clientOptions: { transporter: redirectingTransporter(sa.token_uri) } }),
});
const out = {};
for (const name of job.steps) {
  try {
    out[name] = await steps[name]({ client, model: job.model });
  } catch (err) {
    out[name] = { error: String(err?.stack ?? err) };
  }
}
process.stdout.write(`\n${JSON.stringify(out)}\n`);
