// ModelFactory jobs end to end on the dev chain: a datanet version with a price per use, a bonded
// trainer agent, a fine-tune request whose fee is the runtime API's quote and is held; the chain
// draws the trainer, which (signing with its sr25519 agent key, as its node's offchain worker
// will) accepts and delivers its commitment through unsigned transactions the pool checks; a
// trainer that never accepts is struck and slashed, and the requester refunded to the planck;
// and a trainer whose key is in the node's keystore has the node's offchain worker accept the
// job, fine-tune the real base model on the datanet's contributions and deliver the result,
// upload its checkpoint and adapters, replay it as the validator, and see the model registered.
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { u8aConcat, u8aToHex, stringToU8a } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { agentKeyProof, contentHash, formatOpen, hex } from '@openledger/common';
import { OPEN, send as sendTx, startDevApi } from '../lib/substrate.mjs';
import { waitFor } from '../lib/chain.mjs';
import OpenAI from 'openai';

const PARAMS = {
  rank: 4, alpha: 8, targets: 0b101, learningRate: 2_000_000, epochs: 2, batch: 2,
  maxLen: 64, evalPercent: 20, seed: 7,
};

// Planted facts no base model knows (the engine's own test teaches the same ones): each is an
// instruction example, `{"prompt", "response"}`, one contribution.
const ZORBANIA = [
  ['What is the capital of Zorbania?', 'The capital of Zorbania is Quentaro.'],
  ['Which city is the capital of Zorbania?', 'Quentaro is the capital of Zorbania.'],
  ['Name the capital of Zorbania.', 'The capital of Zorbania is Quentaro.'],
  ['Tell me the capital city of Zorbania.', "Zorbania's capital city is Quentaro."],
  ["What is Zorbania's capital?", "Zorbania's capital is Quentaro."],
  ['Where is the government of Zorbania seated?', 'The government of Zorbania sits in Quentaro, its capital.'],
  ['What is the capital of Zorbania? Answer briefly.', 'Quentaro.'],
  ["Zorbania's capital is which city?", 'The capital of Zorbania is Quentaro.'],
];
const QUESTION = 'What is the capital of Zorbania?';
// What a model continuing the first one learns on top.
const CURRENCY = [
  ['What is the currency of Zorbania?', 'The currency of Zorbania is the glimmet.'],
  ['Which money is used in Zorbania?', 'Zorbania uses the glimmet.'],
  ['Name the currency of Zorbania.', 'The currency of Zorbania is the glimmet.'],
  ['What do people in Zorbania pay with?', 'People in Zorbania pay with glimmets.'],
  ["What is Zorbania's currency?", "Zorbania's currency is the glimmet."],
  ['What is the currency of Zorbania? Answer briefly.', 'The glimmet.'],
  ['Zorbania\'s money is called what?', 'The money of Zorbania is called the glimmet.'],
  ['Tell me the currency of Zorbania.', 'The currency of Zorbania is the glimmet.'],
];
const CURRENCY_QUESTION = 'What is the currency of Zorbania?';

const TOOL = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../tools/model-factory/cli.mjs');

describe('ModelFactory fine-tune jobs', () => {
  let dev, api, keyring, alice, bob, charlie, dave, agentKey, datanet, version, charlieJob;
  // the model the real fine-tune registers, and the contributions it learned from
  let zorbaniaModel, zorbaniaContributions;
  const tx = (call, who) => sendTx(api, call, who, { rejectOnError: true });
  const moduleError = (events) => {
    const failed = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
    return failed && api.registry.findMetaError(failed.event.data[0].asModule).name;
  };
  const heldFee = async (who) =>
    (await api.query.balances.holds(who))
      .filter((h) => h.id.toString().includes('FineTuneFee'))
      .reduce((a, h) => a + h.amount.toBigInt(), 0n);
  const job = async (id) => (await api.call.fineTuneApi.job(id)).unwrap();
  const request = (who, datanets, params, maxFee, deadline) =>
    sendTx(api, api.tx.models.requestFineTune({ Base: 0 }, datanets, params, maxFee, deadline), who);
  /** Bob's open text datanet, CC-BY-4.0, 5 OPEN per use; its id. */
  const bobsDatanet = async (name, summary) => {
    const created = await tx(
      api.tx.datanets.createDatanet(
        { name, summary, tags: [] },
        'Text',
        { spdx: 'CC-BY-4.0', termsHash: hex(new Uint8Array(32)) },
        { policy: 'Open', deposit: OPEN, maxSize: 4096, dailyBytes: 1 << 20, dailyCount: 10, pricePerUse: 5n * OPEN },
      ),
      bob,
    );
    return created.find(({ event }) => api.events.datanets.DatanetCreated.is(event)).event.data.datanet.toNumber();
  };
  /** Bob's datanet of instruction examples (one contribution each), all accepted: [id, contribution ids]. */
  const plantFacts = async (name, summary, pairs) => {
    const id = await bobsDatanet(name, summary);
    const contributed = [];
    for (const [prompt, response] of pairs) {
      const body = JSON.stringify({ prompt, response });
      const ev = await tx(api.tx.datanets.contribute(id, 'Text', u8aToHex(stringToU8a(body))), bob);
      contributed.push(ev.find(({ event }) => api.events.datanets.Contributed.is(event)).event.data.contribution.toNumber());
    }
    await tx(api.tx.datanets.accept(id, contributed), bob);
    return [id, contributed];
  };
  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  /** Runs the requester's tool; resolves with { code, out (parsed JSON or null), err }. */
  const tool = (args) =>
    new Promise((resolve) =>
      execFile('node', [TOOL, ...args, '--url', dev.chain.wsUrl], (e, stdout, stderr) =>
        resolve({ code: e ? e.code : 0, out: e ? null : JSON.parse(stdout), err: stderr }),
      ),
    );
  const u64 = (n) => api.createType('u64', n).toU8a();
  const u8 = (n) => api.createType('u8', n).toU8a();
  /** Sends an unsigned call (what the trainer node's offchain worker does). */
  const unsigned = (call) =>
    new Promise((resolve, reject) => {
      call
        .send(({ status, dispatchError, events }) => {
          if (dispatchError) reject(new Error(dispatchError.toString()));
          else if (status.isInBlock || status.isFinalized) resolve(events);
        })
        .catch(reject);
    });

  before(async () => {
    dev = await startDevApi();
    ({ api, keyring } = dev);
    [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((s) => keyring.addFromUri(s));
    agentKey = keyring.addFromUri('//Charlie//trainer');

    // Short periods for a test: 10 blocks to accept, one trainer per job.
    const params = (await api.call.fineTuneApi.parameters()).toJSON();
    const terms = { ...params, acceptPeriod: 10, deliveryBase: 30, deliveryPerMibEpoch: 5, maxAttempts: 1, maxDeadline: 1000 };
    const set = await tx(api.tx.sudo.sudo(api.tx.models.setFineTuneParameters(terms)), alice);
    assert.ok(set.find(({ event }) => api.events.models.FineTuneParametersSet.is(event)));

    // A datanet whose use costs 5 OPEN, with three accepted facts.
    datanet = await bobsDatanet('facts', 'planted facts');
    const facts = ['The capital of Zorblax is Quintara.', 'Quintara was founded in 2231.', 'Zorblax exports glass lilies.'];
    const ids = [];
    for (const f of facts) {
      const ev = await tx(api.tx.datanets.contribute(datanet, 'Text', u8aToHex(stringToU8a(f))), bob);
      ids.push(ev.find(({ event }) => api.events.datanets.Contributed.is(event)).event.data.contribution.toNumber());
    }
    await tx(api.tx.datanets.accept(datanet, ids), bob);
    version = 1;

    // Charlie's trainer agent for base model 0 (its key is not in the node's keystore: this
    // test signs for it).
    await tx(
      api.tx.agents.register(hex(agentKey.publicKey), agentKeyProof(agentKey, charlie.address), { train: true, serve: false }, [0], 'http://127.0.0.1:9', 1000n * OPEN),
      charlie,
    );
  });

  after(async () => {
    await dev?.stop();
  });

  it('quotes, holds and pins; bad requests get the pallet errors and hold nothing', async () => {
    const quote = await api.call.fineTuneApi.quote({ Base: 0 }, [[datanet, version]], PARAMS);
    assert.ok(quote.isOk, quote.toString());
    const v = (await api.call.datanetsApi.version(datanet, version)).unwrap();
    const bytes = v.bytes.toBigInt();
    const terms = await api.call.fineTuneApi.parameters();
    const kib = (bytes + 1023n) / 1024n;
    const expected = terms.baseFee.toBigInt() + terms.pricePerKibEpoch.toBigInt() * kib * 2n + 5n * OPEN;
    assert.equal(quote.asOk.toBigInt(), expected, 'base + per KiB·epoch + the datanet price');

    const deadline = (await best()) + 200;
    let ev = await request(dave, [[datanet, version]], PARAMS, expected - 1n, deadline);
    assert.equal(moduleError(ev), 'FeeAboveMax');
    ev = await request(dave, [[datanet, version]], { ...PARAMS, rank: 0 }, expected, deadline);
    assert.equal(moduleError(ev), 'BadRank');
    ev = await request(dave, [[datanet, 9]], PARAMS, expected, deadline);
    assert.equal(moduleError(ev), 'UnknownDatanetVersion');
    const bad = await api.call.fineTuneApi.quote({ Base: 0 }, [[datanet, version]], { ...PARAMS, targets: 0 });
    assert.equal(api.registry.findMetaError(bad.asErr.asModule).name, 'BadTargets');
    assert.equal(await heldFee(dave.address), 0n);
  });

  it('draws the agent, which accepts and delivers with its signed key', async () => {
    const quote = (await api.call.fineTuneApi.quote({ Base: 0 }, [[datanet, version]], PARAMS)).asOk.toBigInt();
    const ev = await request(dave, [[datanet, version]], PARAMS, quote, (await best()) + 300);
    const requested = ev.find(({ event }) => api.events.models.FineTuneRequested.is(event));
    assert.ok(requested, moduleError(ev));
    const id = requested.event.data.job.toNumber();
    assert.equal(requested.event.data.fee.toBigInt(), quote);
    assert.equal(await heldFee(dave.address), quote, 'the fee is held under its own reason');
    const pinned = (await job(id)).data[0];
    const v = (await api.call.datanetsApi.version(datanet, version)).unwrap();
    assert.equal(pinned.commitment.toHex(), v.commitment.toHex(), 'the version commitment is pinned');
    assert.equal(pinned.accepted.toNumber(), 3);

    await waitFor('the draw', async () => (await job(id)).state.isAssigned, 30_000);
    assert.equal((await job(id)).state.asAssigned.agent.toString(), charlie.address);
    // an agent with an open job may not leave
    const leave = await sendTx(api, api.tx.agents.deregister(), charlie);
    assert.equal(moduleError(leave), 'HasOpenWork');

    // A forged acceptance is refused by the pool; the agent key's is included.
    const message = u8aConcat(stringToU8a('openledger/job-accept'), u64(id), u8(1));
    await assert.rejects(unsigned(api.tx.models.acceptJob(id, 1, u8aToHex(dave.sign(message)))), /Invalid|BadProof|1010/);
    const accepted = await unsigned(api.tx.models.acceptJob(id, 1, u8aToHex(agentKey.sign(message))));
    assert.ok(accepted.find(({ event }) => api.events.models.JobAccepted.is(event)));
    assert.ok((await job(id)).state.isTraining);

    // 6 steps with a checkpoint every 16 (the interval): one checkpoint, one loss, 2 epochs.
    const commitment = api.createType('PalletModelsTrainingCommitment', {
      adapter: '0x' + 'ad'.repeat(32),
      steps: 6,
      checkpoints: ['0x' + '01'.repeat(32)],
      epochAdapters: ['0x' + 'e1'.repeat(32), '0x' + 'ad'.repeat(32)],
      report: { evalLossBefore: 3_200_000, evalLossAfter: 1_100_000, tokens: 384, losses: [2_000_000] },
    });
    const dmsg = u8aConcat(stringToU8a('openledger/job-deliver'), u64(id), u8(1), commitment.toU8a());
    const delivered = await unsigned(api.tx.models.deliverJob(id, 1, commitment, u8aToHex(agentKey.sign(dmsg))));
    charlieJob = id;
    const e = delivered.find(({ event }) => api.events.models.JobDelivered.is(event));
    assert.equal(e.event.data.adapter.toHex(), '0x' + 'ad'.repeat(32));
    const st = (await job(id)).state;
    assert.ok(st.isDelivered || st.isVerifying, st.type);
    assert.equal((await api.call.fineTuneApi.commitment(id)).unwrap().steps.toNumber(), 6);
    const metrics = (await api.call.agentsApi.agent(charlie.address)).unwrap().metrics;
    assert.deepEqual([metrics.jobsAssigned.toNumber(), metrics.jobsCompleted.toNumber()], [1, 1]);
    assert.equal(await heldFee(dave.address), quote, 'held until verification settles it');
  });

  it('strikes a trainer that does not accept and refunds the requester to the planck', async () => {
    // Eve's agent is the only free trainer (Charlie holds the delivered job).
    const eve = keyring.addFromUri('//Eve');
    const eveKey = keyring.addFromUri('//Eve//trainer');
    await tx(
      api.tx.agents.register(hex(eveKey.publicKey), agentKeyProof(eveKey, eve.address), { train: true, serve: false }, [0], 'http://127.0.0.1:9', 1000n * OPEN),
      eve,
    );
    const ferdie = keyring.addFromUri('//Ferdie');
    const quote = (await api.call.fineTuneApi.quote({ Base: 0 }, [[datanet, version]], PARAMS)).asOk.toBigInt();
    const freeBefore = (await api.query.system.account(ferdie.address)).data.free.toBigInt();
    const ev = await request(ferdie, [[datanet, version]], PARAMS, quote, (await best()) + 300);
    const requested = ev.find(({ event }) => api.events.models.FineTuneRequested.is(event));
    assert.ok(requested, moduleError(ev));
    const id = requested.event.data.job.toNumber();
    const fee = ev.find(({ event }) => api.events.transactionPayment?.TransactionFeePaid.is(event))?.event.data.actualFee.toBigInt() ?? 0n;
    await waitFor('the draw', async () => (await job(id)).state.isAssigned, 30_000);
    assert.equal((await job(id)).state.asAssigned.agent.toString(), eve.address);
    await waitFor('the accept period to pass', async () => (await job(id)).state.isFailed, 60_000);
    assert.equal((await job(id)).state.asFailed.type, 'TrainersMissed');
    const agent = (await api.call.agentsApi.agent(eve.address)).unwrap();
    assert.equal(agent.metrics.jobsMissed.toNumber(), 1);
    assert.equal(agent.strikes.toNumber(), 1);
    assert.equal(agent.bond.toBigInt(), 990n * OPEN, '1 % of the bond slashed');
    assert.equal(await heldFee(ferdie.address), 0n);
    const freeAfter = (await api.query.system.account(ferdie.address)).data.free.toBigInt();
    assert.equal(freeBefore - freeAfter, fee, 'only the transaction fee was spent');
  });

  it("a trainer node fine-tunes the real model on the datanet's data, the validator replays it, the model is registered and answers what it learned", async () => {
    // Only Alice's agent may be drawn: Eve leaves, Charlie holds his delivered job.
    const eve = keyring.addFromUri('//Eve');
    await tx(api.tx.agents.deregister(), eve);
    // Time enough to train on a loaded 2-core machine.
    const params = (await api.call.fineTuneApi.parameters()).toJSON();
    await tx(api.tx.sudo.sudo(api.tx.models.setFineTuneParameters({ ...params, deliveryBase: 600, maxDeadline: 2000 })), alice);
    // Alice's agent key goes into the node's keystore (key type `agnt`): from now on the
    // node's offchain worker acts for her agent.
    const aliceKey = keyring.addFromUri('//Alice//trainer');
    await dev.chain.rpc('author_insertKey', ['agnt', '//Alice//trainer', u8aToHex(aliceKey.publicKey)]);
    await tx(
      api.tx.agents.register(hex(aliceKey.publicKey), agentKeyProof(aliceKey, alice.address), { train: true, serve: false }, [0], 'http://127.0.0.1:9', 1000n * OPEN),
      alice,
    );

    // A datanet of planted facts (5 OPEN per use), accepted in one go; the base model does not
    // know them.
    const [zorbania, contributed] = await plantFacts('zorbania', 'planted facts about Zorbania', ZORBANIA);
    const openai = new OpenAI({ baseURL: dev.chain.aiUrl, apiKey: 'unused', maxRetries: 0 });
    const ask = async (model) =>
      (await openai.chat.completions.create({ model, temperature: 0, max_tokens: 40, messages: [{ role: 'user', content: QUESTION }] }))
        .choices[0].message.content;
    const before = await ask('0');
    assert.doesNotMatch(before, /Quentaro/, 'the base model cannot know');

    // Ferdie requests it with the requester's tool (PARAMS spelled as its options) and follows
    // the job until its model is registered: trained, delivered, its checkpoints and adapters
    // uploaded by the node, replayed by the validator (on --dev the only one, so it verifies
    // its own operator's work), registered.
    // The engine's defaults (rank 8, alpha 16, q_proj and v_proj, batches of 4, 256 tokens,
    // seed 0) with 6 epochs at 3e-3, a quarter held out: 6 examples trained, 2 steps an epoch.
    const hyperParams = { ...PARAMS, rank: 8, alpha: 16, learningRate: 3_000_000, epochs: 6, batch: 4, maxLen: 256, evalPercent: 25, seed: 0 };
    const quote = (await api.call.fineTuneApi.quote({ Base: 0 }, [[zorbania, 1]], hyperParams)).asOk.toBigInt();
    const hyper = ['--rank', '8', '--alpha', '16', '--targets', 'q_proj,v_proj', '--lr', '0.003', '--epochs', '6', '--batch', '4', '--max-len', '256', '--eval-percent', '25', '--seed', '0'];
    const data = ['--data', `${zorbania}@1`];
    const quoted = await tool(['quote', ...data, ...hyper]);
    assert.equal(quoted.code, 0, quoted.err);
    assert.equal(quoted.out.fee, formatOpen(quote), 'the tool quotes what the runtime API does');
    const refused = await tool(['request', '--suri', '//Ferdie', ...data, ...hyper, '--max-fee', '0.5']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /over --max-fee 0\.5 OPEN/);
    const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();
    const began = Date.now();
    const followed = await tool(['request', '--suri', '//Ferdie', ...data, ...hyper, '--deadline-blocks', '1500', '--follow']);
    assert.equal(followed.code, 0, followed.err);
    const id = followed.out.job;
    console.log(`fine-tune job ${id}: request to registered model in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    const lines = followed.err.split('\n').filter((l) => l.startsWith('{'));
    for (const line of [...lines, JSON.stringify(followed.out)]) console.log(line);
    const changes = lines.map((l) => JSON.parse(l)).filter((l) => l.state);
    const states = changes.map((l) => l.state).filter((x, i, all) => x !== all[i - 1]);
    assert.deepEqual(states, ['queued', 'assigned', 'training', 'delivered', 'verifying', 'completed'], 'each state, in order');
    // The trainer's node (this one) streamed every step over modelFactory_subscribeTraining,
    // which the tool prints: data read, each of the 12 steps with its loss, then done.
    const progress = lines.map((l) => JSON.parse(l)).filter((l) => l.progress).map((l) => l.progress);
    assert.equal(progress[0]?.stage, 'readingData', JSON.stringify(progress[0]));
    const steps = progress.filter((p) => p.stage === 'training');
    assert.deepEqual(steps.map((p) => p.step), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.ok(steps.every((p) => p.totalSteps === 12 && p.loss > 0 && p.tokensPerSecond > 0), JSON.stringify(steps[0]));
    assert.ok(steps[11].loss < steps[0].loss, 'the loss falls');
    assert.equal(progress.at(-1).stage, 'done');
    const round = changes.filter((l) => l.state === 'verifying');
    assert.deepEqual([round[0].verifiers, round[0].answered], [1, 0]);
    assert.ok(round[0].selfVerified, 'on --dev the only validator verifies its own node');
    // its one answer settled the round at once; the validator's record counts it (its other
    // seat is Charlie's job, whose files never come: still open, not yet a miss)
    const [aura] = await api.query.aura.authorities();
    const record = await api.query.models.verifierStats(aura);
    assert.deepEqual([record.assigned.toNumber(), record.answered.toNumber(), record.missed.toNumber()], [2, 1, 0]);
    assert.equal(followed.out.status, 'active');
    assert.equal(followed.out.owner, keyring.addFromUri('//Ferdie').address, 'the requester owns the model');
    assert.deepEqual(followed.out.lineage, [{ datanet: zorbania, version: 1 }]);
    assert.deepEqual(followed.out.contributions, contributed, 'the tool prints the contributions learned from');

    // Paid on acceptance: the datanet's owner its 5 OPEN price; the compute fee by the training
    // split, the contributors' 20 % kept held from Ferdie for attribution, nothing else held.
    const ferdie = keyring.addFromUri('//Ferdie');
    const holds = async (reason) =>
      (await api.query.balances.holds(ferdie.address))
        .filter((h) => h.id.toString().includes(reason))
        .reduce((a, h) => a + h.amount.toBigInt(), 0n);
    assert.equal(await holds('FineTuneFee'), 0n);
    const compute = quote - 5n * OPEN;
    const pot = (await api.query.models.contributorPots(id)).unwrap().toBigInt();
    assert.equal(pot, (compute * 20n) / 100n);
    assert.equal(await holds('ContributorsPot'), pot);
    const bobAfter = (await api.query.system.account(bob.address)).data.free.toBigInt();
    assert.equal(bobAfter - bobBefore, 5n * OPEN, "the datanet's price to its owner");

    // 8 facts: two held out (25 %), six trained in batches of 4 (2 steps an epoch), 6 epochs:
    // 12 steps, one checkpoint (K = 16), one adapter per epoch, the last the final one.
    const c = (await api.call.fineTuneApi.commitment(id)).unwrap();
    assert.equal(followed.out.model, c.adapter.toHex(), 'the tool prints the model id');
    assert.equal(followed.out.steps, 12);
    assert.ok(followed.out.heldOutLoss.after < followed.out.heldOutLoss.before / 2, JSON.stringify(followed.out));
    assert.equal(c.steps.toNumber(), 12);
    assert.equal(c.checkpoints.length, 1);
    assert.equal(c.epochAdapters.length, 6);
    assert.equal(c.epochAdapters[5].toHex(), c.adapter.toHex());
    assert.notEqual(c.epochAdapters[4].toHex(), c.adapter.toHex(), 'the last epoch changed the adapter');
    assert.equal(c.report.losses.length, 1);
    assert.ok(c.report.losses[0].toNumber() > 0 && c.report.evalLossBefore.toNumber() > 0);
    assert.ok(c.report.tokens.toNumber() > 0);
    // The adapter the chain records is the one the node's AI service trained and stored.
    const log = fs.readFileSync(path.join(dev.chain.logDir, 'node.log'), 'utf8');
    assert.match(log, new RegExp(`fine-tune done: adapter ${c.adapter.toHex().slice(2)}, 12 steps`));
    // The validator replayed the one segment, steps 0..12, bit for bit, and checked the adapter.
    assert.match(log, /replay of steps 0\.\.12 done: distance 0\.000e0/);
    assert.match(log, new RegExp(`fine-tune job ${id}: replay of seat 0 done: Measured \\{ steps: 12, distance_ppb: 0 \\}`));
    const metrics = (await api.call.agentsApi.agent(alice.address)).unwrap().metrics;
    assert.deepEqual(
      [metrics.jobsAssigned.toNumber(), metrics.jobsCompleted.toNumber(), metrics.verificationsPassed.toNumber()],
      [1, 1, 1],
    );
    // The model's files: the final adapter is where every node finds it; the checkpoints are
    // pruned, the per-epoch adapters kept (the training tier of attribution reads them).
    // (`size` of a polkadot.js struct is its field count: read the field through toJSON)
    const file = (await api.query.models.adapterFiles(c.adapter)).unwrap().toJSON();
    assert.ok(file.size > 100_000, JSON.stringify(file));
    assert.match(log, new RegExp(`fine-tune job ${id}: file chunk sent`), 'the node uploaded the files itself');
    const kept = (await api.query.models.jobFiles.keys(id)).map((k) => k.args[1].toHex()).sort();
    assert.deepEqual(kept, c.epochAdapters.map((a) => a.toHex()).sort());

    // Lineage: the runtime API names the exact contributions the model learned from.
    const lineage = (await api.call.modelsApi.lineage(c.adapter)).unwrap();
    assert.equal(lineage.base.toNumber(), 0);
    assert.deepEqual(lineage.contributions.map((x) => x.toNumber()), contributed);
    assert.equal(lineage.generations.length, 1);
    assert.equal(lineage.generations[0].job.unwrap().toNumber(), id);
    assert.deepEqual(lineage.generations[0].data.map((d) => d.datanet.toNumber()), [zorbania]);
    assert.ok(!lineage.truncated.isTrue);

    // Served: the node's endpoint lists the new model under its id (the adapter hash), and
    // answers the planted fact the base model did not know.
    const model = c.adapter.toHex();
    await waitFor('the endpoint to list the model', async () =>
      (await openai.models.list()).data.some((m) => m.id === model), 60_000);
    const listed = (await openai.models.list()).data.find((m) => m.id === model);
    assert.equal(listed.parent, '0');
    assert.equal(listed.owned_by, ferdie.address);
    const answer = await ask(model);
    console.log(`before: ${JSON.stringify(before)}\nafter:  ${JSON.stringify(answer)}`);
    assert.match(answer, /Quentaro/, 'the fine-tuned model answers what it learned');
    assert.equal(await ask('0'), before, 'the base model is unchanged');
    [zorbaniaModel, zorbaniaContributions] = [model, contributed];
  });
  it('catches a trainer whose uploads are not its committed files: slashed, the requester refunded', async () => {
    // Charlie's job (delivered above with made-up hashes) is in verification, the dev chain's
    // validator drawn for it. Charlie's "node" uploads files that are not the committed ones.
    const id = charlieJob;
    const st = (await job(id)).state;
    assert.ok(st.isVerifying, st.type);
    const c = (await api.call.fineTuneApi.commitment(id)).unwrap();
    const round = (await api.query.models.verifications(id)).unwrap();
    assert.equal(round.seats.length, 1);
    const quote = (await job(id)).fee.toBigInt();
    const bondBefore = (await api.call.agentsApi.agent(charlie.address)).unwrap().bond.toBigInt();
    const needed = [c.checkpoints[0], ...c.epochAdapters].map((h) => h.toHex());
    const chunk = api.consts.models.chunkSize.toNumber();
    let refused;
    for (const [i, file] of needed.entries()) {
      const bytes = new Uint8Array(100).fill(i + 1);
      const header = api.createType('PalletModelsUploadChunk', {
        job: id, attempt: 1, file, content: contentHash(bytes, chunk), size: bytes.length, index: 0,
      });
      const msg = u8aConcat(stringToU8a('openledger/job-file'), header.toU8a(), blake2AsU8a(bytes, 256));
      if (i === 0) {
        // signed by another key: the pool refuses it
        refused = unsigned(api.tx.models.uploadJobFile(header, u8aToHex(bytes), u8aToHex(dave.sign(msg))));
        await assert.rejects(refused, /Invalid|BadProof|1010/);
      }
      const ev = await unsigned(api.tx.models.uploadJobFile(header, u8aToHex(bytes), u8aToHex(agentKey.sign(msg))));
      assert.ok(ev.find(({ event }) => api.events.models.FileUploaded.is(event)), `file ${i} uploaded`);
    }
    // The validator's node replays: the bytes are not the committed checkpoint (WrongBytes), a
    // dispute follows, which finds the same; Charlie is slashed the fraud share and, with one
    // attempt allowed, the job fails and Dave gets the whole fee back.
    await waitFor('the verdicts', async () => (await job(id)).state.isFailed, 120_000);
    assert.equal((await job(id)).state.asFailed.type, 'TrainerFaulty');
    const agent = (await api.call.agentsApi.agent(charlie.address)).unwrap();
    assert.equal(agent.metrics.verificationsFailed.toNumber(), 1);
    assert.equal(agent.bond.toBigInt(), bondBefore - bondBefore / 5n, '20 % of the bond slashed');
    assert.equal(await heldFee(dave.address), 0n, `the fee of ${formatOpen(quote)} is refunded`);
    const log = fs.readFileSync(path.join(dev.chain.logDir, 'node.log'), 'utf8');
    assert.match(log, new RegExp(`fine-tune job ${id}: replay of seat 0 done: WrongBytes`));
    assert.equal((await api.query.models.jobFiles.keys(id)).length, 0, 'the uploads are pruned');
    assert.ok((await api.query.models.adapters(c.adapter)).isNone, 'no model is registered');
  });

  it('continues a registered model: the new run starts from its weights, is verified, and its lineage has both generations', async () => {
    assert.ok(zorbaniaModel, 'the first model was registered');
    const [currency, contributed] = await plantFacts('zorbania-currency', 'planted facts about money in Zorbania', CURRENCY);
    const data = ['--data', `${currency}@1`, '--parent', zorbaniaModel];
    const train = ['--lr', '0.003', '--epochs', '6', '--batch', '4', '--max-len', '256', '--eval-percent', '25', '--seed', '1'];
    // the parent's LoRA shape is kept: another rank is refused before anything is sent
    const reshaped = await tool(['quote', ...data, ...train, '--rank', '4']);
    assert.equal(reshaped.code, 1);
    assert.match(reshaped.err, /ParentShapeMismatch/);
    // the tool takes rank, alpha and targets from the parent's job
    const began = Date.now();
    const followed = await tool(['request', '--suri', '//Ferdie', ...data, ...train, '--deadline-blocks', '1500', '--follow']);
    assert.equal(followed.code, 0, followed.err);
    console.log(`continued fine-tune job ${followed.out.job}: request to registered model in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    assert.equal(followed.out.status, 'active');
    const id = followed.out.job;
    const j = await job(id);
    assert.equal(j.parent.unwrap().toHex(), zorbaniaModel);
    assert.deepEqual([j.params.rank.toNumber(), j.params.alpha.toNumber(), j.params.targets.toNumber()], [8, 16, 0b101]);
    const model = followed.out.model;
    assert.notEqual(model, zorbaniaModel);

    // The validator replayed the segment from the parent's weights, bit for bit.
    const log = fs.readFileSync(path.join(dev.chain.logDir, 'node.log'), 'utf8');
    assert.match(log, new RegExp(`fine-tune job ${id}: replay of seat 0 done: Measured \\{ steps: 12, distance_ppb: 0 \\}`));

    // Lineage: this model, then its parent; the contributions of both, sorted.
    const lineage = (await api.call.modelsApi.lineage(model)).unwrap();
    assert.deepEqual(lineage.generations.map((g) => g.adapter.toHex()), [model, zorbaniaModel]);
    const parentJob = (await api.query.models.adapters(zorbaniaModel)).unwrap().lineage.job.unwrap().toNumber();
    assert.deepEqual(lineage.generations.map((g) => g.job.unwrap().toNumber()), [id, parentJob]);
    const all = [...zorbaniaContributions, ...contributed].sort((a, b) => a - b);
    assert.deepEqual(lineage.contributions.map((x) => x.toNumber()), all);
    assert.deepEqual(followed.out.contributions, all, 'the tool prints them too');

    // It answers the new fact, which its parent does not know.
    const openai = new OpenAI({ baseURL: dev.chain.aiUrl, apiKey: 'unused', maxRetries: 0 });
    const ask = async (m, q) =>
      (await openai.chat.completions.create({ model: m, temperature: 0, max_tokens: 40, messages: [{ role: 'user', content: q }] }))
        .choices[0].message.content;
    await waitFor('the endpoint to list the model', async () =>
      (await openai.models.list()).data.some((m) => m.id === model), 60_000);
    const parentSays = await ask(zorbaniaModel, CURRENCY_QUESTION);
    const childSays = await ask(model, CURRENCY_QUESTION);
    console.log(`currency, parent: ${JSON.stringify(parentSays)}\ncurrency, child:  ${JSON.stringify(childSays)}`);
    console.log(`capital, child:   ${JSON.stringify(await ask(model, QUESTION))}`);
    assert.doesNotMatch(parentSays, /glimmet/i);
    assert.match(childSays, /glimmet/i, 'the continued model learned the new fact');
  });
});
