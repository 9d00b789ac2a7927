// Load generator of `scripts/bench serving`: C concurrent clients, each sending R streaming chat
// completions one after another to an OpenAI-compatible endpoint; prints one JSON line with the
// aggregate generated tokens per second (content chunks over wall time; both servers send one
// chunk per token) and the time to first token, p50 and p95. A request that fails is counted in
// `errors` with its first message, and the run goes on.
//   node bench-serving.mjs <base url> <model> <concurrency> <requests per client> <max tokens>
// With API_KEY set, every request sends it as `Authorization: Bearer …` (a paid run).
const [base, model, concurrency, perClient, maxTokens] = process.argv.slice(2);
const C = Number(concurrency);
const R = Number(perClient);

const topics = ['the sea', 'a mountain', 'a robot', 'a city', 'the moon', 'a forest', 'a river', 'a library'];

async function one(i) {
  const started = performance.now();
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(process.env.API_KEY ? { authorization: `Bearer ${process.env.API_KEY}` } : {}) },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: `Write a short story about ${topics[i % topics.length]} (${i}).` }],
      temperature: 0,
      max_tokens: Number(maxTokens),
      stream: true,
    }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  let tokens = 0;
  let ttft = null;
  for await (const bytes of res.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
      if (!data || data === '[DONE]') continue;
      const chunk = JSON.parse(data);
      const content = chunk.choices?.[0]?.delta?.content;
      if (content) {
        tokens += 1;
        if (ttft === null) ttft = performance.now() - started;
      }
    }
  }
  return { tokens, ttft };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function attempt(i) {
  try {
    return await one(i);
  } catch (e) {
    return { tokens: 0, ttft: null, error: String(e?.cause?.message ?? e?.message ?? e) };
  }
}

// warm-up: one request, not counted
await one(0);
const t0 = performance.now();
const results = (
  await Promise.all(
    Array.from({ length: C }, async (_, c) => {
      const out = [];
      for (let r = 0; r < R; r++) out.push(await attempt(c * R + r));
      return out;
    }),
  )
).flat();
const wall = (performance.now() - t0) / 1000;
const tokens = results.reduce((a, r) => a + r.tokens, 0);
const ttfts = results.map((r) => r.ttft).filter((x) => x !== null);
const errors = results.filter((r) => r.error);
console.log(
  JSON.stringify({
    concurrency: C,
    requests: results.length,
    tokens,
    wall_s: wall,
    tok_s: tokens / wall,
    ttft_p50_ms: quantile(ttfts, 0.5),
    ttft_p95_ms: quantile(ttfts, 0.95),
    errors: errors.length,
    first_error: errors[0]?.error,
  }),
);
