// The node's OpenAI-compatible endpoint, driven by the unmodified `openai` package, and the
// offchain-worker round trip (the AI service's served models announced on chain). One dev
// chain for the file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import OpenAI from 'openai';
import { ethers } from 'ethers';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { BIN_DIR, startDevChain, waitFor } from '../lib/chain.mjs';

const PROMPT = 'What is the capital of Germany?';
const MAX_IN_FLIGHT = 16;

let chain;
let client;
let api;
let startedAt;

before(async () => {
  startedAt = Date.now();
  chain = await startDevChain({ nodeArgs: ['--ai-http-max-requests', String(MAX_IN_FLIGHT)] });
  // The endpoint lists a model once the AI service has hashed and loaded the registered file.
  await waitFor(
    'the endpoint to serve the registered model',
    async () => (await (await fetch(`${chain.aiUrl}/models`)).json()).data?.length > 0,
    120_000,
    chain.node,
  );
  client = new OpenAI({ baseURL: chain.aiUrl, apiKey: 'unused', maxRetries: 0 });
  api = await ApiPromise.create({ provider: new WsProvider(chain.wsUrl), noInitWarn: true });
});

after(async () => {
  await api?.disconnect();
  await chain?.stop();
});

/** The answer `openledger-ai generate` gives (greedy) for the same prompt and model. */
function cliAnswer(prompt, maxTokens) {
  const r = spawnSync(
    path.join(BIN_DIR, 'openledger-ai'),
    ['generate', prompt, '--max-tokens', String(maxTokens), '--temperature', '0'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\n$/, '');
}

async function post(pathname, body, headers = { 'content-type': 'application/json' }) {
  const res = await fetch(`${chain.aiUrl}${pathname}`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

function assertOpenAIError(r, status, code) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(typeof r.body.error?.message, 'string');
  assert.ok(r.body.error.message.length > 0);
  assert.equal(typeof r.body.error.type, 'string');
  if (code) assert.equal(r.body.error.code, code);
}

async function stillServes() {
  const r = await client.chat.completions.create({
    model: '0',
    messages: [{ role: 'user', content: 'Say hi.' }],
    temperature: 0,
    max_tokens: 4,
  });
  assert.ok(r.choices[0].message.content.length > 0);
}

describe('OpenAI-compatible endpoint', () => {
  it('lists the registered model by on-chain id, with its alias', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    assert.deepEqual(ids, ['0']);
    const m = list.data[0];
    assert.equal(m.object, 'model');
    assert.equal(m.alias, 'smollm2-135m-instruct-q4-1');
    assert.equal(m.weights_hash, '0xb179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53');
    assert.equal((await client.models.retrieve('smollm2-135m-instruct-q4-1')).id, '0');
  });

  it('answers a greedy chat completion exactly as openledger-ai generate does', async () => {
    const r = await client.chat.completions.create({
      model: '0',
      messages: [{ role: 'user', content: PROMPT }],
      temperature: 0,
      max_tokens: 24,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, cliAnswer(PROMPT, 24));
    assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
    assert.ok(r.usage.prompt_tokens > 5);
    assert.ok(r.usage.completion_tokens > 0 && r.usage.completion_tokens <= 24);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    assert.match(r.choices[0].message.content, /Berlin/);
  });

  it('streams the same answer as server-sent events, with usage at the end', async () => {
    const stream = await client.chat.completions.create({
      model: 'smollm2-135m-instruct-q4-1',
      messages: [{ role: 'user', content: PROMPT }],
      temperature: 0,
      max_tokens: 24,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish = null;
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      chunks += 1;
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.ok(chunks > 3, 'the answer arrives in pieces');
    assert.equal(text, cliAnswer(PROMPT, 24));
    assert.ok(['stop', 'length'].includes(finish));
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it('serves raw-text completions, streamed and not', async () => {
    const r = await client.completions.create({
      model: '0',
      prompt: 'The capital of France is',
      temperature: 0,
      max_tokens: 8,
    });
    assert.equal(r.object, 'text_completion');
    assert.ok(r.choices[0].text.length > 0);
    const stream = await client.completions.create({
      model: '0',
      prompt: 'The capital of France is',
      temperature: 0,
      max_tokens: 8,
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, r.choices[0].text);
  });

  it('stops at a stop sequence and honours seed and top_p', async () => {
    const base = { model: '0', messages: [{ role: 'user', content: 'Count from 1 to 10, separated by commas.' }], max_tokens: 40 };
    const full = await client.chat.completions.create({ ...base, temperature: 0 });
    const text = full.choices[0].message.content;
    const cut = text.indexOf('5');
    assert.ok(cut > 0, `expected a 5 in ${JSON.stringify(text)}`);
    const stopped = await client.chat.completions.create({ ...base, temperature: 0, stop: ['5'] });
    assert.equal(stopped.choices[0].message.content, text.slice(0, cut));
    assert.equal(stopped.choices[0].finish_reason, 'stop');
    const sampled = (seed) =>
      client.chat.completions.create({ ...base, temperature: 0.9, top_p: 0.9, seed }).then((r) => r.choices[0].message.content);
    assert.equal(await sampled(7), await sampled(7));
  });

  it('finishes 16 concurrent streamed requests, batched together', async () => {
    const one = async (i) => {
      const stream = await client.chat.completions.create({
        model: '0',
        messages: [{ role: 'user', content: `Write one sentence about the number ${i}.` }],
        temperature: 0,
        max_tokens: 16,
        stream: true,
      });
      let text = '';
      let finish = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      return { text, finish };
    };
    const results = await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, (_, i) => one(i)));
    for (const r of results) {
      assert.ok(r.text.length > 0);
      assert.ok(['stop', 'length'].includes(r.finish));
    }
  });

  it('answers bad requests with OpenAI-shaped errors and keeps serving', async () => {
    const ok = { model: '0', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 };
    // unknown model, through the client: a NotFoundError with OpenAI's fields
    await assert.rejects(
      client.chat.completions.create({ ...ok, model: 'gpt-4o' }),
      (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found',
    );
    await stillServes();
    assertOpenAIError(await post('/chat/completions', '{"model": "0", "messages": ['), 400, 'invalid_json');
    await stillServes();
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, temperature: 5 })), 400);
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, top_p: 0 })), 400);
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, max_tokens: 0 })), 400);
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, n: 3 })), 400);
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, messages: [] })), 400);
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, messages: [{ role: 'tool', content: 'x' }] })), 400);
    assertOpenAIError(await post('/chat/completions', JSON.stringify({ ...ok, stop: ['a', 'b', 'c', 'd', 'e'] })), 400);
    assertOpenAIError(await post('/completions', JSON.stringify({ model: '0', prompt: ['a', 'b'] })), 400);
    await stillServes();
    // context overflow: the prompt plus max_tokens exceed the 8,192-token window
    assertOpenAIError(
      await post('/chat/completions', JSON.stringify({ ...ok, max_tokens: 100_000 })),
      400,
      'context_length_exceeded',
    );
    const long = 'word '.repeat(9000);
    assertOpenAIError(
      await post('/chat/completions', JSON.stringify({ ...ok, messages: [{ role: 'user', content: long }] })),
      400,
      'context_length_exceeded',
    );
    // body too large (the limit is 1 MiB)
    assertOpenAIError(
      await post('/chat/completions', JSON.stringify({ ...ok, messages: [{ role: 'user', content: 'x'.repeat(2 << 20) }] })),
      413,
      'request_too_large',
    );
    // unknown path and wrong method
    const missing = await fetch(`${chain.aiUrl}/embeddings`, { method: 'POST', body: '{}' });
    assertOpenAIError({ status: missing.status, body: await missing.json() }, 404, 'unknown_url');
    const wrong = await fetch(`${chain.aiUrl}/chat/completions`);
    assertOpenAIError({ status: wrong.status, body: await wrong.json() }, 405);
    await stillServes();
    // busy: more requests at once than --ai-http-max-requests
    const burst = await Promise.all(
      Array.from({ length: MAX_IN_FLIGHT + 8 }, () =>
        post('/chat/completions', JSON.stringify({ ...ok, max_tokens: 48, temperature: 0 })),
      ),
    );
    const busy = burst.filter((r) => r.status === 503);
    assert.ok(busy.length >= 8, `expected at least 8 busy answers, got ${busy.length}`);
    for (const r of busy) assertOpenAIError(r, 503, 'server_busy');
    assert.ok(burst.some((r) => r.status === 200));
    await stillServes();
  });

  it('allows browser origins on a dev chain (CORS)', async () => {
    const res = await fetch(`${chain.aiUrl}/models`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    assert.ok(res.status < 300);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });
});

describe('models precompile', () => {
  it('reads the registry from the EVM', async () => {
    const provider = new ethers.JsonRpcProvider(chain.ethUrl, undefined, { staticNetwork: true });
    try {
      const models = new ethers.Contract(
        '0x00000000000000000000000000000000040D0000',
        [
          'function nextModelId() view returns (uint64)',
          'function baseModel(uint64 id) view returns (bool exists, bytes32 weightsHash, string name, uint32 contextLength, string license, uint8 status)',
          'function adapter(bytes32 hash) view returns (bool exists, uint64 base, bytes32 owner, uint256 pricePer1kTokens, uint8 status)',
        ],
        provider,
      );
      assert.equal(await models.nextModelId(), 1n);
      const m = await models.baseModel(0);
      assert.equal(m.exists, true);
      assert.equal(m.weightsHash, '0xb179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53');
      assert.equal(m.name, 'SmolLM2-135M-Instruct Q4_1');
      assert.equal(m.contextLength, 8192n);
      assert.equal(m.license, 'Apache-2.0');
      assert.equal(m.status, 0n);
      assert.equal((await models.baseModel(7)).exists, false);
      assert.equal((await models.adapter(ethers.ZeroHash)).exists, false);
    } finally {
      provider.destroy();
    }
  });
});

describe('offchain worker round trip', () => {
  it('announces on chain the base models the AI service loaded, signed by the validator', async () => {
    // Alice is the dev chain's validator: her Aura key signs the announcement.
    const authorities = (await api.query.aura.authorities()).map((a) => a.toHex());
    assert.equal(authorities.length, 1);
    let record;
    await waitFor(
      'the serving announcement',
      async () => {
        const r = await api.query.models.servers(authorities[0]);
        if (r.isSome && r.unwrap().models.map((m) => m.toNumber()).join() === '0') {
          record = r.unwrap();
          return true;
        }
        return false;
      },
      60_000,
      chain.node,
    );
    // Find the block that included it: the announcement's block plus the round trip.
    const announcedAt = record.block.toNumber();
    let includedAt = null;
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    for (let n = announcedAt; n <= best && includedAt === null; n++) {
      const hash = await api.rpc.chain.getBlockHash(n);
      const events = await (await api.at(hash)).query.system.events();
      if (events.some(({ event }) => api.events.models.ServingAnnounced.is(event))) includedAt = n;
    }
    assert.ok(includedAt !== null && includedAt > announcedAt);
    const blockMs = 1000; // the dev chain's default --dev-block-time
    console.log(
      `offchain round trip: made in block #${announcedAt}'s offchain worker, included in #${includedAt} ` +
        `(${includedAt - announcedAt} block(s), about ${(includedAt - announcedAt) * blockMs} ms on a 1-second dev chain); ` +
        `${((Date.now() - startedAt) / 1000).toFixed(1)} s after the node started`,
    );
    const servers = await api.call.modelsApi.servers();
    assert.equal(servers.length, 1);
  });
});
