// Google's own clients against an emulator, run as a child process so NODE_EXTRA_CA_CERTS (read only
// at start-up) can make them trust the emulator's CA. Usage:
//   node lib/google_clients.mjs '<json job>'   job: { keyFile, baseUrl, project, location, model, steps: [...] }
// Prints one JSON object as the last line of stdout: { <step>: result | { error } }.
//
// google-auth-library 10 posts service-account grants to the constant https://oauth2.googleapis.com/token
// (no option changes it for JWT clients), so a request interceptor on the client's gaxios transporter
// sends that request to the key's token_uri instead; the assertion's aud stays Google's URL, which
// the emulator accepts like Google does.
import { readFileSync } from 'node:fs';
import { GoogleAuth, JWT, gaxios } from 'google-auth-library';
import { GoogleGenAI } from '@google/genai';

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** A gaxios transporter that posts Google's token URL to `tokenUri`, and records what it sent. */
export function redirectingTransporter(tokenUri, seen = []) {
  const transporter = new gaxios.Gaxios();
  transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url).startsWith(GOOGLE_TOKEN_URL)) {
        seen.push(String(config.url));
        config.url = new URL(tokenUri);
      }
      return config;
    },
  });
  return transporter;
}

const steps = {
  // JWT client built from the key's fields.
  async jwtToken({ sa }) {
    const seen = [];
    const client = new JWT({
      email: sa.client_email, key: sa.private_key, keyId: sa.private_key_id, scopes: [SCOPE],
      transporter: redirectingTransporter(sa.token_uri, seen),
    });
    const { token } = await client.getAccessToken();
    return { token, redirected: seen.length, expiry: client.credentials.expiry_date };
  },
  // GoogleAuth from the key file's JSON, the way applications load credentials.
  async googleAuthToken({ sa }) {
    const auth = new GoogleAuth({
      credentials: sa, scopes: [SCOPE], clientOptions: { transporter: redirectingTransporter(sa.token_uri) },
    });
    const token = await auth.getAccessToken();
    const headers = await (await auth.getClient()).getRequestHeaders();
    return { token, authorization: headers.get ? headers.get('authorization') : headers.Authorization };
  },
  async generate({ ai, model }) {
    const res = await ai.models.generateContent({
      model,
      contents: 'hello from genai',
      config: { systemInstruction: 'be brief', maxOutputTokens: 100 },
    });
    return { text: res.text, finishReason: res.candidates?.[0]?.finishReason, usage: res.usageMetadata, modelVersion: res.modelVersion, responseId: res.responseId };
  },
  async stream({ ai, model }) {
    const chunks = [];
    let last;
    for await (const chunk of await ai.models.generateContentStream({ model, contents: 'stream these four words' })) {
      chunks.push(chunk.text ?? '');
      last = chunk;
    }
    return { chunks, finishReason: last?.candidates?.[0]?.finishReason, usage: last?.usageMetadata };
  },
  async functionCall({ ai, model }) {
    const declaration = {
      name: 'get_weather',
      description: 'weather for a city',
      parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    };
    const config = { tools: [{ functionDeclarations: [declaration] }] };
    const user = { role: 'user', parts: [{ text: 'call get_weather for Paris' }] };
    const first = await ai.models.generateContent({ model, contents: [user], config });
    const calls = first.functionCalls ?? [];
    const modelTurn = first.candidates[0].content;
    const second = await ai.models.generateContent({
      model,
      contents: [user, modelTurn, { role: 'user', parts: calls.map((c) => ({ functionResponse: { name: c.name, response: { output: '18C' } } })) }],
      config,
    });
    return {
      calls: calls.map((c) => ({ name: c.name, args: c.args })),
      signature: modelTurn.parts[0].thoughtSignature,
      answer: second.text,
    };
  },
  async jsonSchema({ ai, model }) {
    const res = await ai.models.generateContent({
      model,
      contents: 'a person please',
      config: {
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] },
      },
    });
    return { text: res.text };
  },
  // countTokens (Vertex mode: {model}:countTokens) and the same request's generateContent usage.
  async countTokens({ ai, model }) {
    const request = { model, contents: 'count these five words please', config: { systemInstruction: 'be brief' } };
    const counted = await ai.models.countTokens(request);
    const generated = await ai.models.generateContent(request);
    return { totalTokens: counted.totalTokens, promptTokenCount: generated.usageMetadata.promptTokenCount };
  },
  async error({ ai, model }) {
    try {
      await ai.models.generateContent({ model, contents: 'x [[emulator: status=429]]' });
      return { thrown: false };
    } catch (err) {
      return { thrown: true, status: err.status, message: err.message };
    }
  },
  // embedContent with a text-embedding model goes to :predict in Vertex mode.
  async embed({ ai }) {
    const res = await ai.models.embedContent({
      model: 'text-embedding-005',
      contents: ['What is the meaning of life?', 'How do I bake bread?'],
      config: { outputDimensionality: 256, taskType: 'RETRIEVAL_DOCUMENT' },
    });
    return { embeddings: res.embeddings, metadata: res.metadata };
  },
  // gemini-embedding-001 also uses :predict (the SDK sends other gemini models to :embedContent).
  async embedGemini({ ai }) {
    const res = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'one text only' });
    return { embeddings: res.embeddings, metadata: res.metadata };
  },
  async embedError({ ai }) {
    try {
      await ai.models.embedContent({
        model: 'text-embedding-005', contents: ['x'], config: { outputDimensionality: 1024 },
      });
      return { thrown: false };
    } catch (err) {
      return { thrown: true, status: err.status, message: err.message };
    }
  },
  async embedTooMany({ ai }) {
    try {
      await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
      return { thrown: false };
    } catch (err) {
      return { thrown: true, status: err.status, message: err.message };
    }
  },
};

// Hermetic: no ambient Google settings (an API key in the environment would change the SDK's mode).
for (const name of ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION',
  'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_APPLICATION_CREDENTIALS']) {
  delete process.env[name];
}

const job = JSON.parse(process.argv[2]);
const sa = JSON.parse(readFileSync(job.keyFile, 'utf8'));
const ai = new GoogleGenAI({
  vertexai: true,
  project: job.project,
  location: job.location,
  apiVersion: job.apiVersion,
  httpOptions: { baseUrl: job.baseUrl },
  googleAuthOptions: { credentials: sa, scopes: [SCOPE], clientOptions: { transporter: redirectingTransporter(sa.token_uri) } },
});
const out = {};
for (const name of job.steps) {
  try {
    out[name] = await steps[name]({ sa, ai, model: job.model });
  } catch (err) {
    out[name] = { error: String(err?.stack ?? err) };
  }
}
// Last line of stdout; libraries may print warnings before it.
process.stdout.write(`\n${JSON.stringify(out)}\n`);
