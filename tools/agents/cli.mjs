#!/usr/bin/env node
// openledger-agents: register and run the bond of an AI agent (a trainer or a server).
// Usage: scripts/agents <command> [options]; `scripts/agents help` lists them.
// Results go to stdout as one JSON object; errors go to stderr.
import { Keyring } from '@polkadot/keyring';
import { decodeAddress } from '@polkadot/util-crypto';
import { agentKeyProof, findEvent, formatOpen, hex, send } from '@openledger/common';
import { connect, need, needOpen, runCli, UsageError } from '@openledger/common/cli';

const USAGE = `usage: openledger-agents <command> [options]

commands:
  register    --agent-suri S --models 0,1 [--train] [--serve] --endpoint URL --bond OPEN
              [--insert-key]   also put the agent key into the node's keystore (key type agnt;
                               needs the node's unsafe RPC, e.g. --rpc-methods unsafe on localhost)
  update      --models 0,1 [--train] [--serve] --endpoint URL
  rotate-key  --agent-suri S [--insert-key]
  bond-extra  --amount OPEN
  unbond      --amount OPEN
  deregister
  withdraw
  show        [--owner ADDRESS]   an agent's record (default: the --suri account's)
  list                            every agent
  help                            this text

common: --url ws://127.0.0.1:9944  --suri //Alice (the owner: a dev key or a secret phrase / seed)
The agent key (--agent-suri) is a separate sr25519 key: the one its node signs work with.`;

const PROFILE = { models: { type: 'string' }, train: { type: 'boolean', default: false }, serve: { type: 'boolean', default: false }, endpoint: { type: 'string' } };
const KEY = { 'agent-suri': { type: 'string' }, 'insert-key': { type: 'boolean', default: false } };
const OPTIONS = {
  register: { ...PROFILE, ...KEY, bond: { type: 'string' } },
  update: PROFILE,
  'rotate-key': KEY,
  'bond-extra': { amount: { type: 'string' } },
  unbond: { amount: { type: 'string' } },
  deregister: {},
  withdraw: {},
  show: { owner: { type: 'string' } },
  list: {},
};

/** The profile options: capabilities, a sorted model list without repeats, the endpoint. */
function profile(opts) {
  if (!opts.train && !opts.serve) throw new UsageError('declare at least one of --train and --serve');
  const ids = need(opts, 'models').split(',').map((x) => {
    if (!/^\d+$/.test(x.trim())) throw new UsageError(`--models must be comma-separated base model ids, not '${opts.models}'`);
    return Number(x.trim());
  });
  const models = [...new Set(ids)].sort((a, b) => a - b);
  const endpoint = need(opts, 'endpoint');
  if (!/^https?:\/\/[!-~]+$/.test(endpoint)) throw new UsageError(`--endpoint must be an http:// or https:// URL, not '${endpoint}'`);
  return { capabilities: { train: opts.train, serve: opts.serve }, models, endpoint };
}

/** Checks and converts every option before anything touches the network. */
function validate(cmd, opts) {
  const v = {};
  if (cmd === 'register' || cmd === 'update') Object.assign(v, profile(opts));
  if (cmd === 'register' || cmd === 'rotate-key') v.agentSuri = need(opts, 'agent-suri');
  if (cmd === 'register') v.bond = needOpen(opts, 'bond');
  if (cmd === 'bond-extra' || cmd === 'unbond') v.amount = needOpen(opts, 'amount');
  if (cmd === 'show' && opts.owner !== undefined) {
    try {
      decodeAddress(opts.owner);
    } catch {
      throw new UsageError(`--owner is not an SS58 address: '${opts.owner}'`);
    }
    v.owner = opts.owner;
  }
  return v;
}

/** An agent record with plain field names and amounts in OPEN. */
function agentView(owner, a) {
  return {
    owner,
    key: a.key.toHex(),
    capabilities: Object.entries({ train: a.capabilities.train.isTrue, serve: a.capabilities.serve.isTrue })
      .filter(([, on]) => on)
      .map(([k]) => k),
    models: a.models.map((m) => m.toNumber()),
    endpoint: new TextDecoder().decode(a.endpoint.toU8a(true)),
    bond: formatOpen(a.bond.toBigInt()),
    unbonding: a.unbonding.map((c) => ({ amount: formatOpen(c.amount.toBigInt()), unlock: c.unlock.toNumber() })),
    status: a.status.type.toLowerCase(),
    strikes: a.strikes.toNumber(),
    metrics: Object.fromEntries(Object.entries(a.metrics.toJSON())),
    registeredAt: a.registeredAt.toNumber(),
  };
}

async function run(cmd, opts, v) {
  const { api, provider } = await connect(opts.url);
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const owner = () => keyring.addFromUri(opts.suri);
  const tx = (call) => send(api, call, owner(), { rejectOnError: true });
  const agentKey = async () => {
    const pair = keyring.addFromUri(v.agentSuri);
    if (opts['insert-key']) await provider.send('author_insertKey', ['agnt', v.agentSuri, hex(pair.publicKey)]);
    return { pair, proof: agentKeyProof(pair, owner().address) };
  };
  try {
    if (cmd === 'register') {
      const { pair, proof } = await agentKey();
      const events = await tx(api.tx.agents.register(hex(pair.publicKey), proof, v.capabilities, v.models, v.endpoint, v.bond));
      const e = findEvent(events, 'agents', 'Registered');
      return { agent: e.data.agent.toString(), key: e.data.key.toHex(), bond: formatOpen(e.data.bond.toBigInt()) };
    }
    if (cmd === 'update') {
      await tx(api.tx.agents.update(v.capabilities, v.models, v.endpoint));
      return { agent: owner().address, ...v, capabilities: Object.keys(v.capabilities).filter((k) => v.capabilities[k]) };
    }
    if (cmd === 'rotate-key') {
      const { pair, proof } = await agentKey();
      const e = findEvent(await tx(api.tx.agents.rotateKey(hex(pair.publicKey), proof)), 'agents', 'KeyRotated');
      return { agent: e.data.agent.toString(), key: e.data.key.toHex() };
    }
    if (cmd === 'bond-extra') {
      const e = findEvent(await tx(api.tx.agents.bondExtra(v.amount)), 'agents', 'Bonded');
      return { agent: e.data.agent.toString(), bonded: formatOpen(e.data.amount.toBigInt()) };
    }
    if (cmd === 'unbond') {
      const e = findEvent(await tx(api.tx.agents.unbond(v.amount)), 'agents', 'Unbonding');
      return { agent: e.data.agent.toString(), unbonding: formatOpen(e.data.amount.toBigInt()), unlock: e.data.unlock.toNumber() };
    }
    if (cmd === 'deregister') {
      const e = findEvent(await tx(api.tx.agents.deregister()), 'agents', 'Deregistered');
      return { agent: e.data.agent.toString(), unlock: e.data.unlock.toNumber() };
    }
    if (cmd === 'withdraw') {
      const events = await tx(api.tx.agents.withdrawUnbonded());
      const w = events.find(({ event }) => api.events.agents.Withdrawn.is(event));
      const removed = events.some(({ event }) => api.events.agents.Removed.is(event));
      return { agent: owner().address, withdrawn: formatOpen(w ? w.event.data.amount.toBigInt() : 0n), removed };
    }
    if (cmd === 'show') {
      const who = v.owner ?? owner().address;
      const rec = await api.query.agents.agents(who);
      if (rec.isNone) throw new Error(`no agent registered by ${who}`);
      return agentView(who, rec.unwrap());
    }
    if (cmd === 'list') {
      const entries = await api.query.agents.agents.entries();
      const agents = entries.map(([k, rec]) => agentView(k.args[0].toString(), rec.unwrap()));
      agents.sort((a, b) => (a.owner < b.owner ? -1 : 1));
      return { agents };
    }
    throw new UsageError(`unknown command '${cmd}'`);
  } finally {
    await api.disconnect();
  }
}

runCli(USAGE, OPTIONS, { validate, run });
