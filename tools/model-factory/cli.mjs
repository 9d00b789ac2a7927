#!/usr/bin/env node
// openledger-model-factory: request a ModelFactory fine-tune on named datanet versions, follow
// it block by block, show or cancel it.
// Usage: scripts/model-factory <command> [options]; `scripts/model-factory help` lists them.
// The result goes to stdout as one JSON object; `--follow` and `follow` print each change of the
// job to stderr as a JSON line while they wait (and, from the trainer's node, each training step
// as {"job", "progress"}); errors go to stderr.
import { Keyring } from '@polkadot/keyring';
import { findEvent, formatOpen, parseOpen, send } from '@openledger/common';
import { connect, need, runCli, UsageError } from '@openledger/common/cli';

const USAGE = `usage: openledger-model-factory <command> [options]

commands:
  quote    --data D@V[,D@V…] [--base ID | --parent 0xMODEL] [hyper-parameters]
                                     the fee, without sending anything
  request  --data D@V[,D@V…] [--base ID | --parent 0xMODEL] [hyper-parameters]
           [--max-fee OPEN]          refuse to pay more (default: the quote)
           [--deadline-blocks N]     the last block to deliver in, from now (default 600)
           [--follow]                wait for the model, printing each change (as follow)
  follow   --job N [--timeout-blocks N]   print each change of the job (and each verifier's
                                          answer) until its model is registered, or it is
                                          cancelled or failed (default: up to 2000 blocks)
  show     --job N
  cancel   --job N                   before training starts; the fee is refunded
  help                               this text

hyper-parameters (the chain's fixed point is computed from them):
  --rank 8 --alpha 16 --targets q_proj,v_proj --lr 0.001 --epochs 1 --batch 4 --max-len 256
  --eval-percent 10 --seed 0

--base trains a fresh LoRA on base model ID (default 0); --parent continues the training of a
registered model (its id, the adapter hash): rank, alpha and targets default to the parent's.

common: --url ws://127.0.0.1:9944  --suri //Alice (the requester: a dev key or a secret phrase)
--data names datanet versions as datanet@version, e.g. 3@1,4@2.`;

const MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const HYPER = {
  base: { type: 'string' },
  parent: { type: 'string' },
  data: { type: 'string' },
  rank: { type: 'string' },
  alpha: { type: 'string' },
  targets: { type: 'string' },
  lr: { type: 'string', default: '0.001' },
  epochs: { type: 'string', default: '1' },
  batch: { type: 'string', default: '4' },
  'max-len': { type: 'string', default: '256' },
  'eval-percent': { type: 'string', default: '10' },
  seed: { type: 'string', default: '0' },
};
const JOB = { job: { type: 'string' } };
const OPTIONS = {
  quote: HYPER,
  request: { ...HYPER, 'max-fee': { type: 'string' }, 'deadline-blocks': { type: 'string', default: '600' }, follow: { type: 'boolean', default: false }, 'timeout-blocks': { type: 'string', default: '2000' } },
  follow: { ...JOB, 'timeout-blocks': { type: 'string', default: '2000' } },
  show: JOB,
  cancel: JOB,
};

function integer(opts, key, max = Number.MAX_SAFE_INTEGER) {
  const text = need(opts, key);
  if (!/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`--${key} must be a whole number up to ${max}, not '${text}'`);
  return Number(text);
}

/** The learning rate as the chain's fixed point (× 10⁹), exactly from its decimal text. */
function learningRate(text) {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text) ?? /^(\d+(?:\.\d+)?)e-(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--lr must be a decimal like 0.001 or 2e-3, not '${text}'`);
  let nano;
  if (text.includes('e-')) {
    const [mant, exp] = [m[1], Number(m[2])];
    const [int, frac = ''] = mant.split('.');
    const shift = 9 - exp - frac.length;
    if (shift < 0) throw new UsageError(`--lr ${text} is finer than 10⁻⁹`);
    nano = BigInt(int + frac) * 10n ** BigInt(shift);
  } else nano = BigInt(m[1]) * 10n ** 9n + BigInt((m[2] ?? '').padEnd(9, '0'));
  if (nano === 0n || nano > 4294967295n) throw new UsageError(`--lr ${text} is out of range`);
  return Number(nano);
}

/** The LoRA shape a run without --parent gets when --rank, --alpha or --targets is left out. */
const SHAPE = { rank: '8', alpha: '16', targets: 'q_proj,v_proj' };

function hyper(opts) {
  if (opts.parent !== undefined && opts.base !== undefined) throw new UsageError('--base and --parent exclude each other: a continued model keeps its parent\'s base');
  if (opts.parent !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(opts.parent)) throw new UsageError(`--parent must be a model id (0x and 64 hex digits), not '${opts.parent}'`);
  // with --parent, a left-out shape is filled from the parent's job once connected
  const shape = opts.parent === undefined ? { ...SHAPE, ...defined(opts) } : defined(opts);
  const filled = { ...opts, ...shape, rank: shape.rank ?? '0', alpha: shape.alpha ?? '0', targets: shape.targets ?? '' };
  const targets = (filled.targets === '' ? [] : filled.targets.split(',')).reduce((bits, t) => {
    const i = MODULES.indexOf(t.trim());
    if (i < 0) throw new UsageError(`--targets: unknown module '${t}' (one of ${MODULES.join(', ')})`);
    return bits | (1 << i);
  }, 0);
  const data = need(opts, 'data').split(',').map((d) => {
    const m = /^\s*(\d+)@(\d+)\s*$/.exec(d);
    if (!m) throw new UsageError(`--data must be datanet@version pairs like 3@1, not '${d}'`);
    return [Number(m[1]), Number(m[2])];
  });
  return {
    model: opts.parent !== undefined ? { Adapter: opts.parent.toLowerCase() } : { Base: integer({ base: opts.base ?? '0' }, 'base', 2 ** 32 - 1) },
    // which of the shape the parent supplies
    fromParent: opts.parent === undefined ? [] : ['rank', 'alpha', 'targets'].filter((k) => shape[k] === undefined),
    data,
    params: {
      rank: integer(filled, 'rank', 65535),
      alpha: integer(filled, 'alpha', 65535),
      targets,
      learningRate: learningRate(need(opts, 'lr')),
      epochs: integer(opts, 'epochs', 65535),
      batch: integer(opts, 'batch', 65535),
      maxLen: integer(opts, 'max-len', 2 ** 32 - 1),
      evalPercent: integer(opts, 'eval-percent', 255),
      seed: integer(opts, 'seed'),
    },
  };
}

/** Checks and converts every option before anything touches the network. */
function validate(cmd, opts) {
  if (cmd === 'quote' || cmd === 'request') {
    const v = hyper(opts);
    if (cmd === 'request') {
      if (opts['max-fee'] !== undefined) {
        try {
          v.maxFee = parseOpen(opts['max-fee']);
        } catch (e) {
          throw new UsageError(`--max-fee: ${e.message}`);
        }
      }
      v.deadlineBlocks = integer(opts, 'deadline-blocks', 2 ** 32 - 1);
      v.follow = opts.follow;
      v.timeout = integer(opts, 'timeout-blocks');
    }
    return v;
  }
  const v = { job: integer(opts, 'job') };
  if (cmd === 'follow') v.timeout = integer(opts, 'timeout-blocks');
  return v;
}

/** A job with plain field names and amounts in OPEN. */
function jobView(id, j) {
  const state = { state: j.state.type.toLowerCase() };
  const inner = j.state.isEmpty || j.state.isCancelled ? null : j.state.value;
  if (inner && j.state.isFailed) state.reason = inner.toString();
  else if (inner) for (const [k, val] of Object.entries(inner.toJSON())) state[k] = val;
  return {
    job: id,
    requester: j.requester.toString(),
    base: j.base.toNumber(),
    parent: j.parent.isSome ? j.parent.unwrap().toHex() : null,
    data: j.data.map((d) => ({ datanet: d.datanet.toNumber(), version: d.version.toNumber(), contributions: d.accepted.toNumber(), bytes: d.bytes.toNumber() })),
    fee: formatOpen(j.fee.toBigInt()),
    deadline: j.deadline.toNumber(),
    attempts: j.attempts.toNumber(),
    ...state,
  };
}

/** What the trainer committed, with losses in nats. */
function commitmentView(c) {
  const nats = (micro) => micro.toNumber() / 1e6;
  return {
    model: c.adapter.toHex(),
    steps: c.steps.toNumber(),
    checkpoints: c.checkpoints.length,
    heldOutLoss: { before: nats(c.report.evalLossBefore), after: nats(c.report.evalLossAfter) },
    tokens: c.report.tokens.toNumber(),
  };
}

/** The verification round of a job in verification: its seats and how many answered. */
async function roundView(api, id) {
  const r = await api.query.models.verifications(id);
  if (r.isNone) return {};
  const seats = r.unwrap().seats;
  return { verifiers: seats.length, answered: seats.filter((s) => s.verdict.isSome).length, selfVerified: r.unwrap().selfVerified.isTrue };
}

/**
 * Waits block by block until the job's model is registered, or it is cancelled or failed,
 * logging each change (a new state, attempt, round or answer).
 */
async function follow(api, provider, id, timeout) {
  const job = async () => {
    const j = await api.call.fineTuneApi.job(id);
    if (j.isNone) throw new Error(`no fine-tune job ${id}`);
    const v = jobView(id, j.unwrap());
    return v.state === 'verifying' ? { ...v, ...(await roundView(api, id)) } : v;
  };
  let last = '';
  let seen = 0;
  // While the job trains, the node this tool is connected to streams each step if it is the
  // trainer's (modelFactory_subscribeTraining); other nodes have nothing to stream.
  let training;
  const watchTraining = () => {
    if (training) return;
    training = provider
      .subscribe('modelFactory_trainingProgress', 'modelFactory_subscribeTraining', [id], (error, p) => {
        if (!error && p) console.error(JSON.stringify({ job: id, progress: p }));
      })
      .catch(() => undefined);
  };
  return new Promise((resolve, reject) => {
    let unsub;
    const stop = (f) => {
      if (unsub) unsub();
      training?.then((sub) => sub !== undefined && provider.unsubscribe('modelFactory_trainingProgress', 'modelFactory_unsubscribeTraining', sub).catch(() => undefined));
      f();
    };
    api.rpc.chain
      .subscribeNewHeads(async (header) => {
        try {
          const v = await job();
          const key = `${v.state}/${v.attempts}/${v.round ?? ''}/${v.answered ?? ''}`;
          if (key !== last) {
            last = key;
            console.error(JSON.stringify({ block: header.number.toNumber(), ...v }));
          }
          if (v.state === 'assigned' || v.state === 'training') watchTraining();
          if (v.state === 'completed') {
            const c = (await api.call.fineTuneApi.commitment(id)).unwrap();
            const a = (await api.query.models.adapters(c.adapter)).unwrap();
            const lineage = a.lineage.datanets.map(([d, ver]) => ({ datanet: d.toNumber(), version: ver.toNumber() }));
            // the exact contributions it learned from (through its parents), by the runtime API
            const contributions = (await api.call.modelsApi.lineage(c.adapter)).unwrap().contributions.map((x) => x.toNumber());
            stop(() => resolve({ ...v, ...commitmentView(c), owner: a.owner.toString(), status: a.status.type.toLowerCase(), lineage, contributions }));
          } else if (v.state === 'cancelled' || v.state === 'failed') {
            stop(() => reject(new Error(`job ${id} ${v.state}${v.reason ? ` (${v.reason})` : ''}; the fee was refunded`)));
          } else if (++seen > timeout) {
            stop(() => reject(new Error(`job ${id} is still ${v.state} after ${timeout} blocks`)));
          }
        } catch (e) {
          stop(() => reject(e));
        }
      })
      .then((u) => {
        unsub = u;
      }, reject);
  });
}

/** The options among rank, alpha and targets that were given. */
function defined(opts) {
  return Object.fromEntries(['rank', 'alpha', 'targets'].filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}

/** Fills the LoRA shape left out of a --parent request from the job that trained the parent. */
async function shapeFromParent(api, v) {
  const adapter = await api.query.models.adapters(v.model.Adapter);
  if (adapter.isNone) throw new Error(`no registered model ${v.model.Adapter}`);
  const job = adapter.unwrap().lineage.job;
  if (job.isNone) throw new Error(`model ${v.model.Adapter} was not trained by a job: give --rank, --alpha and --targets`);
  const p = (await api.query.models.jobs(job.unwrap())).unwrap().params;
  for (const k of v.fromParent) v.params[k] = p[k].toNumber();
}

async function run(cmd, opts, v) {
  const { api, provider } = await connect(opts.url);
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const requester = () => keyring.addFromUri(opts.suri);
  try {
    if (v.fromParent?.length) await shapeFromParent(api, v);
    const quote = async () => {
      const q = await api.call.fineTuneApi.quote(v.model, v.data, v.params);
      if (q.isErr) {
        const e = q.asErr;
        const meta = e.isModule ? api.registry.findMetaError(e.asModule) : null;
        throw new Error(`the chain refuses this fine-tune: ${meta ? `${meta.section}.${meta.name} — ${meta.docs.join(' ')}` : e.toString()}`);
      }
      return q.asOk.toBigInt();
    };
    if (cmd === 'quote') return { fee: formatOpen(await quote()), model: v.model, data: v.data, params: v.params };
    if (cmd === 'request') {
      const fee = await quote();
      const maxFee = v.maxFee ?? fee;
      if (fee > maxFee) throw new Error(`the fee is ${formatOpen(fee)}, over --max-fee ${formatOpen(maxFee)}`);
      const now = (await api.rpc.chain.getHeader()).number.toNumber();
      const call = api.tx.models.requestFineTune(v.model, v.data, v.params, maxFee, now + v.deadlineBlocks);
      const events = await send(api, call, requester(), { rejectOnError: true });
      const e = findEvent(events, 'models', 'FineTuneRequested');
      const id = e.data.job.toNumber();
      const requested = { job: id, fee: formatOpen(e.data.fee.toBigInt()), deadline: now + v.deadlineBlocks };
      if (!v.follow) return requested;
      console.error(JSON.stringify({ requested }));
      return await follow(api, provider, id, v.timeout);
    }
    if (cmd === 'follow') return await follow(api, provider, v.job, v.timeout);
    if (cmd === 'show') {
      const j = await api.call.fineTuneApi.job(v.job);
      if (j.isNone) throw new Error(`no fine-tune job ${v.job}`);
      const view = jobView(v.job, j.unwrap());
      const c = await api.call.fineTuneApi.commitment(v.job);
      return c.isSome ? { ...view, ...commitmentView(c.unwrap()) } : view;
    }
    if (cmd === 'cancel') {
      const events = await send(api, api.tx.models.cancelFineTune(v.job), requester(), { rejectOnError: true });
      const e = findEvent(events, 'models', 'JobCancelled');
      return { job: v.job, refunded: formatOpen(e.data.refunded.toBigInt()) };
    }
    throw new UsageError(`unknown command '${cmd}'`);
  } finally {
    await api.disconnect();
  }
}

runCli(USAGE, OPTIONS, { validate, run });
