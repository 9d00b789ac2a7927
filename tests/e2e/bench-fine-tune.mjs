// A ModelFactory fine-tune job on a dev chain, split by stage: the trainer's data read and
// training (from its node's log and the modelFactory_subscribeTraining stream), the upload of the
// checkpoints and adapters the verifiers need (from the chain's FileUploaded events), and the
// verifier's replay (from its node's log); with verification's cost as a share of training's.
// Run through `scripts/bench fine-tune`; prints a table.
//
// Environment: EXAMPLES (instruction examples in the datanet, default 48), EPOCHS (default 4),
// BATCH (default 4), EVERY (checkpoint interval K in steps, default 4). The defaults make
// 48 / 4 × 4 = 48 steps in 12 segments; on --dev the one validator replays one segment (V = 1).
import fs from 'node:fs';
import path from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { agentKeyProof, hex, OPEN, send } from '@openledger/common';
import { startDevChain } from './lib/chain.mjs';

const EXAMPLES = Number(process.env.EXAMPLES || 48);
const EPOCHS = Number(process.env.EPOCHS || 4);
const BATCH = Number(process.env.BATCH || 4);
const EVERY = Number(process.env.EVERY || 4);

await cryptoWaitReady();
const chain = await startDevChain();
const rows = [];
let summary;
try {
  const provider = new WsProvider(chain.wsUrl);
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const [alice, bob, ferdie] = ['//Alice', '//Bob', '//Ferdie'].map((s) => keyring.addFromUri(s));
  const tx = (call, who) => send(api, call, who, { rejectOnError: true });
  const params = (await api.call.fineTuneApi.parameters()).toJSON();
  await tx(api.tx.sudo.sudo(api.tx.models.setFineTuneParameters({ ...params, checkpointEvery: EVERY, acceptPeriod: 30, deliveryBase: 3000, maxDeadline: 6000 })), alice);

  // The data: EXAMPLES instruction examples, contributed in one batch and accepted.
  const created = await tx(
    api.tx.datanets.createDatanet(
      { name: 'bench', summary: 'code names', tags: [] },
      'Text',
      { spdx: 'CC-BY-4.0', termsHash: hex(new Uint8Array(32)) },
      { policy: 'Open', deposit: OPEN, maxSize: 4096, dailyBytes: 1 << 22, dailyCount: EXAMPLES, pricePerUse: 0 },
    ),
    bob,
  );
  const datanet = created.find(({ event }) => api.events.datanets.DatanetCreated.is(event)).event.data.datanet.toNumber();
  const bodies = Array.from({ length: EXAMPLES }, (_, i) =>
    JSON.stringify({ prompt: `What is the code name of project ${i}?`, response: `Project ${i} is code-named ember-${i}.` }),
  );
  const events = await tx(api.tx.utility.batchAll(bodies.map((b) => api.tx.datanets.contribute(datanet, 'Text', u8aToHex(stringToU8a(b))))), bob);
  const ids = events.filter(({ event }) => api.events.datanets.Contributed.is(event)).map(({ event }) => event.data.contribution.toNumber());
  await tx(api.tx.datanets.accept(datanet, ids), bob);

  // The trainer: Alice's agent, its key in the node's keystore.
  const agentKey = keyring.addFromUri('//Alice//trainer');
  await chain.rpc('author_insertKey', ['agnt', '//Alice//trainer', u8aToHex(agentKey.publicKey)]);
  await tx(api.tx.agents.register(hex(agentKey.publicKey), agentKeyProof(agentKey, alice.address), { train: true, serve: false }, [0], 'http://127.0.0.1:9', 1000n * OPEN), alice);

  const hyper = { rank: 8, alpha: 16, targets: 0b101, learningRate: 1_000_000, epochs: EPOCHS, batch: BATCH, maxLen: 256, evalPercent: 0, seed: 0 };
  const fee = (await api.call.fineTuneApi.quote({ Base: 0 }, [[datanet, 1]], hyper)).asOk.toBigInt();
  const deadline = (await api.rpc.chain.getHeader()).number.toNumber() + 5000;
  const began = Date.now();
  const requested = await tx(api.tx.models.requestFineTune({ Base: 0 }, [[datanet, 1]], hyper, fee, deadline), ferdie);
  const job = requested.find(({ event }) => api.events.models.FineTuneRequested.is(event)).event.data.job.toNumber();

  // Follow: the training stream, and each block's events of this job with the block's time.
  const progress = [];
  const sub = await provider.subscribe('modelFactory_trainingProgress', 'modelFactory_subscribeTraining', [job], (e, p) => {
    if (!e && p) progress.push({ ...p, seenMs: Date.now() });
  });
  const marks = {};
  const uploads = [];
  await new Promise((resolve, reject) => {
    const unsub = api.rpc.chain.subscribeNewHeads(async (h) => {
      try {
        const at = await api.at(h.hash);
        const [records, now] = await Promise.all([at.query.system.events(), at.query.timestamp.now()]);
        for (const { event } of records) {
          if (event.section !== 'models' || event.data.job?.toNumber() !== job) continue;
          marks[event.method] ??= now.toNumber();
          if (event.method === 'FileUploaded') uploads.push({ at: now.toNumber(), size: event.data[3].toNumber() }); // (job, file, content, size): a struct's `size` is its field count
          if (event.method === 'ModelRegistered') {
            unsub.then((u) => u());
            resolve();
          }
          if (event.method === 'JobFailed') reject(new Error(`job ${job} failed: ${event.data.toString()}`));
        }
      } catch (e) {
        reject(e);
      }
    });
  });
  const total = (Date.now() - began) / 1000;
  await provider.unsubscribe('modelFactory_trainingProgress', 'modelFactory_unsubscribeTraining', sub).catch(() => undefined);

  const log = fs.readFileSync(path.join(chain.logDir, 'node.log'), 'utf8');
  const seconds = (re) => {
    const m = log.match(re);
    if (!m) throw new Error(`not in the node log: ${re}`);
    return Number(m[1]);
  };
  const read = seconds(new RegExp(`fine-tune job ${job}: \\d+ contributions read and checked in ([\\d.]+) ms`)) / 1000;
  const train = seconds(/fine-tune done: adapter [0-9a-f]+, \d+ steps in ([\d.]+) s/);
  const replayMatch = log.match(/replay of steps (\d+)\.\.(\d+) done: distance (\S+) in ([\d.]+) s \(inputs read and checked in ([\d.]+) s, replay ([\d.]+) s\)/);
  if (!replayMatch) throw new Error('no replay in the node log');
  const [, from, to, distance, replay, inputs, compute] = replayMatch;
  const c = (await api.call.fineTuneApi.commitment(job)).unwrap();
  const steps = c.steps.toNumber();
  const segments = c.checkpoints.length;
  const uploadSecs = (uploads.at(-1).at - marks.VerifiersDrawn) / 1000;
  const bytes = uploads.reduce((a, u) => a + u.size, 0);
  const tokens = c.report.tokens.toNumber();
  const stepsStreamed = progress.filter((p) => p.stage === 'training').length;

  rows.push(['data read and hash-checked (trainer)', `${EXAMPLES} contributions`, read.toFixed(4), '']);
  rows.push(['training (trainer; checkpoints written)', `${steps} steps, ${tokens} tokens, ${segments} checkpoints`, train.toFixed(1), '100 %']);
  rows.push(['upload of the needed files (drawn → last FileUploaded)', `${uploads.length} files, ${(bytes / 1048576).toFixed(2)} MiB`, uploadSecs.toFixed(1), '']);
  const share = (x) => `${((100 * Number(x)) / train).toFixed(1)} %`;
  rows.push(['verification: replay (verifier, V = 1)', `steps ${from}..${to} of ${steps}, distance ${distance}`, Number(replay).toFixed(1), share(replay)]);
  rows.push(['— of which inputs read and checked', 'data, checkpoints, final adapter', Number(inputs).toFixed(1), share(inputs)]);
  rows.push(['— of which the replayed steps', `${Number(to) - Number(from)} steps`, Number(compute).toFixed(1), share(compute)]);
  rows.push(['request → model registered (wall clock)', `${stepsStreamed} steps streamed over RPC`, total.toFixed(1), '']);
  summary = `verification cost / training cost = ${(Number(replay) / train).toFixed(3)} (goal ≤ 0.10); replayed ${Number(to) - Number(from)} of ${steps} steps (1 of ${segments} segments, K = ${EVERY})`;
  await api.disconnect();
} finally {
  await chain.stop();
}
const head = ['stage', 'work', 'seconds', 'of training'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => `| ${r.map((x, i) => String(x).padEnd(w[i])).join(' | ')} |`;
console.log(line(head));
console.log(`| ${w.map((n) => '-'.repeat(n)).join(' | ')} |`);
for (const r of rows) console.log(line(r));
console.log(`\n${summary}`);
