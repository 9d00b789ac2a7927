// Paid inference end to end: a user holds OPEN as inference credit, mints a voucher with the
// inference tool, and the unmodified `openai` package pays with it as its API key; the node —
// the serving agent — meters the answer, its offchain worker settles it, and every planck of the
// cost is traced to the user's credit, the agent, the treasury (its share and a base model's
// owner share) and the contributors' pot. Exhausted, expired and forged vouchers are refused in
// OpenAI's error shape; a replayed settlement is refused by the pool. One dev chain for the file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { agentKeyProof, decodeVoucherKey, hex, OPEN, send } from '@openledger/common';
import { ethers } from 'ethers';
import { compile } from '../compile.mjs';
import { ETH_DEV_KEYS, startDevChain, waitFor } from '../lib/chain.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const MESSAGES = [{ role: 'user', content: 'What is the capital of France?' }];

let chain;
let api;
let keyring;
let alice;
let ferdie;

/** Runs the inference tool; resolves with its exit code, its JSON result and its stderr. */
function tool(args) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'tools/inference/cli.mjs'), ...args, '--url', chain.wsUrl]);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      let json = null;
      try {
        json = JSON.parse(out);
      } catch {
        /* not JSON: a failure, reported in err */
      }
      resolve({ code, out: json, err });
    });
  });
}

async function voucher(args) {
  const r = await tool(['voucher', '--suri', '//Ferdie', '--agent', alice.address, ...args]);
  assert.equal(r.code, 0, r.err);
  return r.out;
}

const tx = (call, who) => send(api, call, who, { rejectOnError: true });

before(async () => {
  await cryptoWaitReady();
  chain = await startDevChain();
  await waitFor(
    'the endpoint to serve the registered model',
    async () => (await (await fetch(`${chain.aiUrl}/models`)).json()).data?.length > 0,
    120_000,
    chain.node,
  );
  api = await ApiPromise.create({ provider: new WsProvider(chain.wsUrl), noInitWarn: true });
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  ferdie = keyring.addFromUri('//Ferdie');
  // Alice's serving agent: its node key goes into this node's keystore (key type `agnt`), so
  // this node serves and settles as her agent.
  const serverKey = keyring.addFromUri('//Alice//server');
  await chain.rpc('author_insertKey', ['agnt', '//Alice//server', u8aToHex(serverKey.publicKey)]);
  await tx(
    api.tx.agents.register(hex(serverKey.publicKey), agentKeyProof(serverKey, alice.address), { train: false, serve: true }, [0], chain.aiUrl, 1000n * OPEN),
    alice,
  );
  // Ferdie holds 10 OPEN as inference credit, with the tool.
  const deposit = await tool(['deposit', '--suri', '//Ferdie', '--amount', '10']);
  assert.equal(deposit.code, 0, deposit.err);
  assert.equal(deposit.out.held, '10 OPEN');
});

after(async () => {
  await api?.disconnect();
  await chain?.stop();
});

/** Free balance and holds of `who` at block `hash`. */
async function balances(hash, who) {
  const at = await api.at(hash);
  const account = await at.query.system.account(who);
  const holds = await at.query.balances.holds(who);
  const held = (reason) =>
    holds.filter((h) => h.id.isInference && h.id.asInference.type === reason).reduce((s, h) => s + h.amount.toBigInt(), 0n);
  return { free: account.data.free.toBigInt(), credit: held('Credit'), pot: held('ContributorsPot') };
}

/** The block (hash) whose events hold `inference.Settled` for `nonce`, searching back from the best block. */
async function settlementBlock(nonce) {
  let hash = await api.rpc.chain.getBlockHash();
  for (let i = 0; i < 200; i++) {
    const events = await (await api.at(hash)).query.system.events();
    const e = events.find(({ event }) => api.events.inference.Settled.is(event) && event.data.nonce.toBigInt() === nonce);
    if (e) return { hash, event: e.event };
    hash = (await api.rpc.chain.getHeader(hash)).parentHash;
  }
  throw new Error(`no settlement of voucher ${nonce} in the last 200 blocks`);
}

describe('paid inference', () => {
  it('the openai package pays with a voucher; the node settles; every planck of the cost is traced', async () => {
    const v = await voucher(['--max', '1']);
    assert.match(v.key, /^olv1-/);
    const decoded = decodeVoucherKey(v.key);
    assert.equal(decoded.agent, hex(decodeAddress(alice.address)));
    const client = new OpenAI({ baseURL: chain.aiUrl, apiKey: v.key, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: '0', messages: MESSAGES, temperature: 0, max_tokens: 8 });
    assert.ok(answer.choices[0].message.content.length > 0);
    const { prompt_tokens: prompt, completion_tokens: completion } = answer.usage;
    // base model 0 at 0.001 OPEN per 1,000 tokens: 10^12 planck a token, exactly
    const price = (await api.call.inferenceApi.price({ Base: 0 })).unwrap();
    assert.equal(price.per1kTokens.toBigInt(), OPEN / 1000n);
    const cost = BigInt(prompt + completion) * 10n ** 12n;

    // the node's offchain worker settles within SETTLE_AFTER (10) blocks
    const nonce = BigInt(v.nonce);
    await waitFor(
      'the settlement',
      async () => (await api.call.inferenceApi.voucher(ferdie.address, nonce)).isSome,
      120_000,
      chain.node,
    );
    const { hash, event } = await settlementBlock(nonce);
    const parent = (await api.rpc.chain.getHeader(hash)).parentHash;
    // the treasury: PalletId `py/trsry` as an account (`modl` ‖ id, zero-padded)
    const treasury = u8aConcat(new TextEncoder().encode('modlpy/trsry'), new Uint8Array(20));
    const paid = event.data.paid;
    assert.equal(event.data.records.toNumber(), 1);
    assert.equal(paid.total.toBigInt(), cost, `${prompt} + ${completion} tokens at 10^12 planck`);
    const parts = [paid.modelOwners, paid.agent, paid.contributors, paid.treasury].map((x) => x.toBigInt());
    assert.equal(parts.reduce((a, b) => a + b, 0n), cost, 'the parts sum to the cost');
    assert.equal(paid.modelOwners.toBigInt(), 0n, "a base model's owner share is the treasury's");

    // balances just before and after the settlement's block (no other transaction in it)
    const [uBefore, uAfter] = [await balances(parent, ferdie.address), await balances(hash, ferdie.address)];
    const [aBefore, aAfter] = [await balances(parent, alice.address), await balances(hash, alice.address)];
    assert.equal(uBefore.credit - uAfter.credit, cost, "the user's credit paid the cost");
    assert.equal(uAfter.free, uBefore.free, "the user's free balance is untouched");
    assert.equal(uAfter.pot - uBefore.pot, paid.contributors.toBigInt(), "the contributors' part is held per record");
    assert.equal(aAfter.free - aBefore.free, paid.agent.toBigInt(), "the agent is paid the stakers' share");
    const [tBefore, tAfter] = [await balances(parent, treasury), await balances(hash, treasury)];
    assert.equal(tAfter.free - tBefore.free, paid.treasury.toBigInt(), 'the treasury gets its share and the owner share');
    const pot = (await api.query.inference.contributorPots(ferdie.address, [nonce, 0])).unwrap();
    assert.equal(pot.amount.toBigInt(), paid.contributors.toBigInt());
    assert.equal(pot.agent.toString(), alice.address);
    console.log(
      `paid chat completion: ${prompt} + ${completion} tokens = ${cost} planck → treasury ${paid.treasury}, agent ${paid.agent}, contributors' pot ${paid.contributors}, model owner ${paid.modelOwners}`,
    );

    // the completion's token ids are in the offchain index, for attribution
    const key = u8aConcat(
      new TextEncoder().encode('openledger/inference/completion/'),
      decodeAddress(ferdie.address),
      new Uint8Array(new BigUint64Array([nonce]).buffer),
      new Uint8Array(8),
    );
    const stored = await chain.rpc('offchain_localStorageGet', ['PERSISTENT', u8aToHex(key)]);
    assert.ok(stored.result, JSON.stringify(stored));
    const tokens = api.createType('Vec<u32>', stored.result);
    assert.equal(tokens.length, completion);

    // the tool reads what the voucher has spent
    const spent = await tool(['spent', '--key', v.key]);
    assert.equal(spent.code, 0, spent.err);
    assert.equal(spent.out.lastRequest, '0');

    // replaying the settlement is refused by the pool
    const block = await api.rpc.chain.getBlock(hash);
    const settle = block.block.extrinsics.find((x) => x.method.section === 'inference' && x.method.method === 'settleUnsigned');
    assert.ok(settle, 'settled by the unsigned call of the agent node');
    await assert.rejects(api.rpc.author.submitExtrinsic(settle), /outdated|Stale|1010/);
  });

  it('an exhausted voucher is answered 402 in OpenAI shape; the rest of its maximum still pays', async () => {
    // 40 tokens' worth (10^12 planck a token): the prompt's 37 and 8 more do not fit, 2 more do
    const v = await voucher(['--max', '0.00004']);
    const client = new OpenAI({ baseURL: chain.aiUrl, apiKey: v.key, maxRetries: 0 });
    const ask = (max) => client.chat.completions.create({ model: '0', messages: MESSAGES, temperature: 0, max_tokens: max });
    await assert.rejects(ask(8), (e) => e.status === 402 && e.code === 'insufficient_quota' && /the voucher has 40000000000000 planck left/.test(e.message));
    const small = await ask(2);
    assert.equal(small.usage.prompt_tokens, 37);
    const spent = BigInt(small.usage.total_tokens) * 10n ** 12n;
    // what the node metered and has not settled yet counts: what is left is below a prompt's worth
    await assert.rejects(ask(1), (e) => e.status === 402 && new RegExp(`has ${40n * 10n ** 12n - spent} planck left`).test(e.message));
  });

  it("an Ethereum key's voucher passes the signature check (its account has no credit: 402)", async () => {
    // Alith's well-known development key; its account is its address followed by twelve 0xEE
    const eth = await voucher(['--max', '1', '--eth-key', '0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133']);
    assert.equal(decodeVoucherKey(eth.key).signature.kind, 'ethereum');
    assert.match(eth.user, /^5/);
    await assert.rejects(
      new OpenAI({ baseURL: chain.aiUrl, apiKey: eth.key, maxRetries: 0 }).chat.completions.create({ model: '0', messages: MESSAGES, max_tokens: 2 }),
      (e) => e.status === 402 && /inference credit has 0 planck left/.test(e.message),
    );
  });

  it('expired, forged and foreign vouchers are answered 401 in OpenAI shape', async () => {
    const reject = async (apiKey, pattern) =>
      assert.rejects(
        new OpenAI({ baseURL: chain.aiUrl, apiKey, maxRetries: 0 }).chat.completions.create({ model: '0', messages: MESSAGES, max_tokens: 2 }),
        (e) => e.status === 401 && e.code === 'invalid_api_key' && pattern.test(e.message),
      );
    const expired = await voucher(['--max', '1', '--blocks', '1']);
    await reject(expired.key, /expires at block/);
    // one flipped bit of the signature
    const good = await voucher(['--max', '1']);
    const bytes = Buffer.from(good.key.slice(5), 'base64url');
    bytes[bytes.length - 1] ^= 1;
    await reject(`olv1-${bytes.toString('base64url')}`, /not its user's/);
    // a voucher for another agent
    const other = await tool(['voucher', '--suri', '//Ferdie', '--agent', keyring.addFromUri('//Bob').address, '--max', '1']);
    assert.equal(other.code, 0, other.err);
    await reject(other.out.key, /this node does not serve as/);
    await reject('olv1-AAAA', /does not decode/);
  });

  it('/v1/models lists each model with its on-chain price and the agents that serve it', async () => {
    const list = await (await fetch(`${chain.aiUrl}/models`)).json();
    const base = list.data.find((m) => m.id === '0');
    assert.equal(base.price_per_1k_tokens, String(OPEN / 1000n));
    assert.equal(base.agents.length, 1);
    const [agent] = base.agents;
    assert.equal(agent.account, hex(decodeAddress(alice.address)));
    assert.equal(agent.endpoint, chain.aiUrl);
    assert.equal(agent.bond, String(1000n * OPEN));
    assert.equal(agent.strikes, 0);
    // the openai package reads the same fields
    const m = await new OpenAI({ baseURL: chain.aiUrl, apiKey: 'unused', maxRetries: 0 }).models.retrieve('0');
    assert.equal(m.agents[0].account, agent.account);
  });

  it('a Solidity contract holds credit and hands out a voucher through the precompile, and the voucher pays', async () => {
    const provider = new ethers.JsonRpcProvider(chain.ethUrl, undefined, { staticNetwork: true, polling: true, pollingInterval: 250 });
    try {
      const alith = new ethers.Wallet(ETH_DEV_KEYS.alith, provider);
      const c = compile(path.join(HERE, '../contracts/InferenceClient.sol'));
      const contract = await new ethers.ContractFactory(c.InferenceClient.abi, c.InferenceClient.bytecode, alith).deploy();
      await contract.waitForDeployment();
      assert.equal(await contract.price(0), OPEN / 1000n, 'the precompile reads the base price');
      await (await alith.sendTransaction({ to: await contract.getAddress(), value: ethers.parseEther('2') })).wait();
      await (await contract.fundCredit(OPEN)).wait();
      // the contract's account: its address followed by twelve 0xEE bytes
      const account = u8aConcat(ethers.getBytes(await contract.getAddress()), new Uint8Array(12).fill(0xee));
      assert.equal((await api.call.inferenceApi.credit(account)).unwrap().held.toBigInt(), OPEN);
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      const receipt = await (await contract.voucherFor(hex(decodeAddress(alice.address)), OPEN / 10n, best + 1000)).wait();
      const bytes = contract.interface.parseLog(receipt.logs.find((l) => l.address === receipt.to)).args.key;
      const key = `olv1-${Buffer.from(ethers.getBytes(bytes)).toString('base64url')}`;
      assert.equal(decodeVoucherKey(key).signature.kind, 'authorized');
      const client = new OpenAI({ baseURL: chain.aiUrl, apiKey: key, maxRetries: 0 });
      const answer = await client.chat.completions.create({ model: '0', messages: MESSAGES, temperature: 0, max_tokens: 4 });
      assert.ok(answer.choices[0].message.content.length > 0);
      // a voucher that expired already is refused by the pallet, as the revert reason says
      await assert.rejects(contract.voucherFor.staticCall(hex(decodeAddress(alice.address)), 1n, 1), /VoucherExpired/);
    } finally {
      provider.destroy();
    }
  });

  it('the tool refuses bad options before touching the chain', async () => {
    const noAgent = await tool(['voucher', '--max', '1']);
    assert.equal(noAgent.code, 2);
    assert.match(noAgent.err, /--agent is required/);
    const badMax = await tool(['voucher', '--agent', alice.address, '--max', 'lots']);
    assert.equal(badMax.code, 2);
    const badKey = await tool(['decode', '--key', 'sk-123']);
    assert.equal(badKey.code, 2);
    assert.match(badKey.err, /not a voucher key/);
  });
});
