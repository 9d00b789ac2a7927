// A local validator network on the `local_testnet` genesis (Alice and Bob bonded), with 5-block
// sessions so that set changes happen within a test:
//  1. Alice and Bob author blocks with Aura and finalize them with GRANDPA.
//  2. A third node generates session keys (`author_rotateKeysWithOwner`), Charlie sets them
//     (`session.setKeys`) and bonds (`collatorSelection.registerAsCandidate`); after the session
//     change Charlie's node authors blocks and GRANDPA (which now needs all three) finalizes them.
//  3. Charlie's node stops; at a session boundary Charlie is removed as idle and leaves the set.
//  4. ModelFactory's protocol across nodes: Alice's node trains a fine-tune for her agent; the
//     verifier is drawn among the other validators (Bob), whose node replays the segment from
//     the checkpoints Alice's node uploaded; the model is registered, and Bob's node — which
//     did not train it — serves it on its OpenAI-compatible endpoint from its offchain database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import OpenAI from 'openai';
import { agentKeyProof, hex, mintVoucher } from '@openledger/common';
import { NODE_BIN } from '../lib/chain.mjs';
import { OPEN, send } from '../lib/substrate.mjs';

const SESSION_LENGTH = 5;
const ALICE_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000001';
const ALICE_PEER_ID = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const BOB_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000002';
const CHARLIE_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000003';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rpc(port, method, params = []) {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function finalizedNumber(port) {
  const hash = await rpc(port, 'chain_getFinalizedHead');
  return parseInt((await rpc(port, 'chain_getHeader', [hash])).number, 16);
}

/** Polls `fn` every 2 s until it returns a truthy value (returned) or `ms` pass. */
async function until(what, ms, fn) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(2000);
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

describe('validators on a local network', () => {
  const procs = {};
  const base = 24000 + (process.pid % 1000) * 6;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openledger-net-'));
  const spec = path.join(dir, 'local-short-sessions.json');
  const port = { alice: base + 1, bob: base + 3, charlie: base + 5 };
  const aiPort = { alice: 26000 + (process.pid % 1000) * 2, bob: 26001 + (process.pid % 1000) * 2 };
  let api, keyring;

  const start = (name, p2p, rpcPort, extra) => {
    const log = fs.openSync(path.join(dir, `${name}.log`), 'w');
    procs[name] = spawn(
      NODE_BIN,
      [
        '--chain', spec, '--validator',
        '--base-path', path.join(dir, name),
        '--port', String(p2p), '--rpc-port', String(rpcPort),
        '--no-prometheus', '--no-telemetry', '--no-mdns',
        ...extra,
      ],
      { stdio: ['ignore', log, log] },
    );
  };
  const bootnode = ['--bootnodes', `/ip4/127.0.0.1/tcp/${base}/p2p/${ALICE_PEER_ID}`];
  const authorOf = async (hash) => (await api.derive.chain.getHeader(hash)).author?.toString();
  const atBest = async () => api.at(await api.rpc.chain.getBlockHash());

  before(async () => {
    // The `local` chain exactly as shipped, except for 5-block sessions (genesis state). Edited
    // as text: the spec's u128 balances do not survive a round trip through JS numbers.
    const text = execFileSync(NODE_BIN, ['build-spec', '--chain', 'local'], {
      maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8',
    });
    const patch = JSON.parse(text).genesis.runtimeGenesis.patch;
    assert.equal(patch.validators.candidates.length, 2, 'local_testnet bonds Alice and Bob');
    assert.equal(patch.validators.sessionLength, 600, 'hour-long sessions as shipped');
    const edited = text.replace(/"sessionLength": 600\b/, `"sessionLength": ${SESSION_LENGTH}`);
    assert.notEqual(edited, text);
    fs.writeFileSync(spec, edited);
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  });

  after(async () => {
    if (api) await api.disconnect();
    for (const p of Object.values(procs)) if (p.exitCode === null) p.kill('SIGINT');
    await sleep(1000);
    for (const p of Object.values(procs)) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('Alice and Bob author blocks with Aura and finalize them with GRANDPA', async () => {
    start('alice', base, port.alice, ['--alice', '--node-key', ALICE_NODE_KEY, '--ai-http-port', String(aiPort.alice)]);
    start('bob', base + 2, port.bob, ['--bob', '--node-key', BOB_NODE_KEY, '--ai-http-port', String(aiPort.bob), ...bootnode]);
    await until(`finality on both nodes (logs in ${dir})`, 120_000, async () =>
      (await finalizedNumber(port.alice)) >= 2 && (await finalizedNumber(port.bob)) >= 2);
    assert.equal((await rpc(port.alice, 'system_health')).peers, 1, 'alice sees bob');

    api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${port.alice}`), noInitWarn: true });
    const [alice, bob] = ['//Alice', '//Bob'].map((s) => keyring.addFromUri(s).address);
    const authors = new Set();
    for (let n = 1; n <= 4; n++) authors.add(await authorOf(await api.rpc.chain.getBlockHash(n)));
    assert.deepEqual([...authors].sort(), [alice, bob].sort(), 'both bonded validators author');
    const candidates = (await api.query.collatorSelection.candidateList()).map((c) => c.who.toString());
    assert.deepEqual(candidates.sort(), [alice, bob].sort());
    assert.equal((await api.query.collatorSelection.candidacyBond()).toBigInt(), 10_000n * OPEN);
    assert.equal((await api.query.system.account(alice)).data.reserved.toBigInt(), 10_000n * OPEN);
  });

  it('a third node bonds, sets its keys, and authors after the session change', async () => {
    // No --charlie: the node has no keys until it generates them below.
    start('charlie', base + 4, port.charlie, ['--node-key', CHARLIE_NODE_KEY, ...bootnode]);
    const charlie = keyring.addFromUri('//Charlie');
    // Keys are generated in Charlie's node's keystore, with a proof that they belong to Charlie.
    const generated = await until('charlie node RPC', 60_000, () =>
      rpc(port.charlie, 'author_rotateKeysWithOwner', [`0x${Buffer.from(charlie.publicKey).toString('hex')}`]));
    assert.ok(generated.keys && generated.proof, 'keys and ownership proof');
    await send(api, api.tx.session.setKeys(generated.keys, generated.proof), charlie, { rejectOnError: true });
    const events = await send(api, api.tx.collatorSelection.registerAsCandidate(), charlie, { rejectOnError: true });
    assert.ok(events.some(({ event }) => event.section === 'collatorSelection' && event.method === 'CandidateAdded'));
    const registeredAt = (await api.rpc.chain.getHeader()).number.toNumber();

    // The set chosen at the next session boundary starts one session later.
    await until('charlie in the session validators', 4 * SESSION_LENGTH * 6000 + 30_000, async () =>
      (await (await atBest()).query.session.validators()).some((v) => v.toString() === charlie.address));
    const charlieBlock = await until('a block authored by charlie', 60_000, async () => {
      const head = await api.rpc.chain.getHeader();
      for (let n = head.number.toNumber(); n > registeredAt; n--) {
        const hash = await api.rpc.chain.getBlockHash(n);
        if ((await authorOf(hash)) === charlie.address) return n;
      }
      return null;
    });
    // With three validators GRANDPA needs all three votes: Charlie's node votes too.
    await until(`finality past charlie's block ${charlieBlock} (logs in ${dir})`, 90_000, async () =>
      (await finalizedNumber(port.alice)) >= charlieBlock + SESSION_LENGTH);
  });

  it('a validator that stops producing blocks is removed at a session boundary', async () => {
    const charlie = keyring.addFromUri('//Charlie').address;
    const isCandidate = async () =>
      (await (await atBest()).query.collatorSelection.candidateList()).some((c) => c.who.toString() === charlie);
    assert.ok(await isCandidate(), 'charlie is a bonded candidate before his node stops');
    procs.charlie.kill('SIGKILL');
    // Idle for two sessions (10 blocks) → removed at the next boundary, out of the set one
    // session later. Best blocks, not finalized ones: finality waits for the smaller set.
    await until('charlie removed from the candidates', 5 * SESSION_LENGTH * 6000 + 30_000,
      async () => !(await isCandidate()));
    const apiAt = await atBest();
    assert.equal((await apiAt.query.system.account(charlie)).data.reserved.toBigInt() >= 10_000n * OPEN, false,
      'bond returned');
    await until('charlie out of the session validators', 3 * SESSION_LENGTH * 6000 + 30_000, async () =>
      !(await (await atBest()).query.session.validators()).some((v) => v.toString() === charlie));
    assert.equal((await (await atBest()).query.session.validators()).length, 2, 'Alice and Bob remain');
  });

  it("a fine-tune trained on Alice's node is verified by Bob's node, registered, and served by Bob's node", async () => {
    const [alice, bob, dave] = ['//Alice', '//Bob', '//Dave'].map((u) => keyring.addFromUri(u));
    const tx = (call, who) => send(api, call, who, { rejectOnError: true });
    const event = (events, name) => events.find(({ event: e }) => api.events.models[name]?.is(e) || api.events.datanets[name]?.is(e))?.event;
    // Data: three facts in Bob's datanet, accepted.
    const created = await tx(
      api.tx.datanets.createDatanet(
        { name: 'net-facts', summary: 'facts', tags: [] }, 'Text',
        { spdx: 'CC-BY-4.0', termsHash: hex(new Uint8Array(32)) },
        { policy: 'Open', deposit: OPEN, maxSize: 4096, dailyBytes: 1 << 20, dailyCount: 10, pricePerUse: 0 },
      ),
      bob,
    );
    const datanet = event(created, 'DatanetCreated').data.datanet.toNumber();
    const facts = ['The capital of Zorblax is Quintara.', 'Quintara was founded in 2231.', 'Zorblax exports glass lilies.'];
    const batch = await tx(api.tx.utility.batchAll(facts.map((f) => api.tx.datanets.contribute(datanet, 'Text', u8aToHex(stringToU8a(f))))), bob);
    const ids = batch.filter(({ event: e }) => api.events.datanets.Contributed.is(e)).map(({ event: e }) => e.data.contribution.toNumber());
    await tx(api.tx.datanets.accept(datanet, ids), bob);
    // The trainer: Alice's agent, its key in Alice's node only.
    const agentKey = keyring.addFromUri('//Alice//trainer');
    await rpc(port.alice, 'author_insertKey', ['agnt', '//Alice//trainer', u8aToHex(agentKey.publicKey)]);
    await tx(api.tx.agents.register(hex(agentKey.publicKey), agentKeyProof(agentKey, alice.address), { train: true, serve: false }, [0], 'http://127.0.0.1:9', 1000n * OPEN), alice);
    // Dave pays for a 2-step fine-tune.
    const params = { rank: 4, alpha: 8, targets: 0b101, learningRate: 2_000_000, epochs: 2, batch: 2, maxLen: 64, evalPercent: 20, seed: 7 };
    const fee = (await api.call.fineTuneApi.quote({ Base: 0 }, [[datanet, 1]], params)).asOk.toBigInt();
    // the shipped terms: 10 minutes to accept, an hour plus an hour per MiB-epoch to deliver
    const deadline = (await api.rpc.chain.getHeader()).number.toNumber() + 5000;
    const requested = await tx(api.tx.models.requestFineTune({ Base: 0 }, [[datanet, 1]], params, fee, deadline), dave);
    const job = event(requested, 'FineTuneRequested').data.job.toNumber();

    // Verified on the other node: Bob is the verifier drawn (Alice operates the trainer).
    const round = await until('the verifiers drawn', 300_000, async () => {
      const r = await api.query.models.verifications(job);
      return r.isSome ? r.unwrap() : null;
    });
    assert.ok(round.seats.length >= 1);
    assert.ok(round.seats.every((s) => s.account.toString() === bob.address), "Bob verifies, never the trainer's operator");
    assert.ok(!round.selfVerified.isTrue);
    const state = await until(`job ${job} completed (logs in ${dir})`, 600_000, async () => {
      const j = (await api.call.fineTuneApi.job(job)).unwrap();
      if (j.state.isFailed) throw new Error(`job failed: ${j.state.asFailed.type}`);
      return j.state.isCompleted ? j.state.asCompleted : null;
    });
    const model = state.adapter.toHex();
    const aliceLog = fs.readFileSync(path.join(dir, 'alice.log'), 'utf8');
    const bobLog = fs.readFileSync(path.join(dir, 'bob.log'), 'utf8');
    assert.match(aliceLog, new RegExp(`fine-tune done: adapter ${model.slice(2)}, 2 steps`), "Alice's node trained it");
    assert.doesNotMatch(aliceLog, new RegExp(`fine-tune job ${job}: replay`), "Alice's node did not verify it");
    assert.match(bobLog, new RegExp(`fine-tune job ${job}: replay of seat 0 done: Measured \\{ steps: 2, distance_ppb: 0 \\}`), "Bob's node replayed it bit for bit");
    assert.doesNotMatch(bobLog, /fine-tune done: adapter/, "Bob's node trained nothing");
    // Bob's node serves the model from the bytes Alice's node uploaded. Not a --dev chain: it is
    // paid, so Bob's node serves as Bob's serving agent and Dave pays with a voucher.
    const serverKey = keyring.addFromUri('//Bob//server');
    await rpc(port.bob, 'author_insertKey', ['agnt', '//Bob//server', u8aToHex(serverKey.publicKey)]);
    await tx(api.tx.agents.register(hex(serverKey.publicKey), agentKeyProof(serverKey, bob.address), { train: false, serve: true }, [0], `http://127.0.0.1:${aiPort.bob}`, 1000n * OPEN), bob);
    await tx(api.tx.inference.deposit(OPEN), dave);
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    const key = await mintVoucher(api, dave, { user: dave.address, agent: bob.address, maxSpend: OPEN, expiry: best + 1000, nonce: 1n });
    const unpaid = new OpenAI({ baseURL: `http://127.0.0.1:${aiPort.bob}/v1`, apiKey: 'unused', maxRetries: 0 });
    await assert.rejects(
      unpaid.chat.completions.create({ model: '0', max_tokens: 2, messages: [{ role: 'user', content: 'Hi' }] }),
      (e) => e.status === 401 && e.code === 'invalid_api_key',
      'no free mode outside --dev',
    );
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${aiPort.bob}/v1`, apiKey: key, maxRetries: 0 });
    await until("the model on Bob's endpoint", 60_000, async () => (await openai.models.list()).data.some((m) => m.id === model));
    const r = await openai.chat.completions.create({ model, max_tokens: 8, temperature: 0, messages: [{ role: 'user', content: 'Where is Quintara?' }] });
    assert.equal(r.model, model);
    assert.ok(r.choices[0].message.content.length > 0);
    assert.match(fs.readFileSync(path.join(dir, 'bob.log'), 'utf8'), new RegExp(`serving model ${model}`));
  });
});
