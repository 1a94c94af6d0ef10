// Runs in its own process (NODE_EXTRA_CA_CERTS is read only at start-up): the official `openai`
// client makes one chat completion, unary or streamed, and prints { model, content } as JSON.
import OpenAI from 'openai';

const { baseURL, model, content, stream } = JSON.parse(process.argv[2]);
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0 });
if (stream) {
  let text = '';
  let last;
  for await (const chunk of await client.chat.completions.create({ model, messages: [{ role: 'user', content }], stream: true })) {
    text += chunk.choices[0]?.delta?.content ?? '';
    last = chunk;
  }
  console.log(JSON.stringify({ model: last?.model, content: text }));
} else {
  const answer = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
  console.log(JSON.stringify({ model: answer.model, content: answer.choices[0].message.content }));
}
