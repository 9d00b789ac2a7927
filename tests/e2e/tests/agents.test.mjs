// AI agents end to end: the operator's tool (scripts/agents) registers a bonded agent with its
// key in the node's keystore; @polkadot/api reads it through the runtime API and the balances
// holds; ethers reads it through the agents precompile; governance shortens the unbonding period,
// and the agent unbonds, deregisters and withdraws everything.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { agentKeyProof, hex } from '@openledger/common';
import { OPEN, send as sendTx, startDevApi } from '../lib/substrate.mjs';
import { waitFor } from '../lib/chain.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOOL = path.join(here, '../../../tools/agents/cli.mjs');
const PRECOMPILE = '0x000000000000000000000000000000000A6E0000';
const ABI = [
  'function agentCount() view returns (uint32)',
  'function agent(bytes32 owner) view returns (bool exists, bytes32 key, bool train, bool serve, uint64[] models, string endpoint, uint256 bond, uint256 unbonding, uint8 status, uint32 strikes)',
  'function metrics(bytes32 owner) view returns (bool exists, uint32 jobsAssigned, uint32 jobsCompleted, uint32 jobsMissed, uint32 verificationsPassed, uint32 verificationsFailed, uint32 lastActive)',
  'function canWork(bytes32 owner, uint8 capability, uint64 model) view returns (bool)',
  'function parameters() view returns (uint256 minBond, uint32 unbondingPeriod, uint32 missedSlashPpb, uint32 fraudSlashPpb, uint32 strikesBeforeSuspension)',
];

/** Runs the tool; resolves with { code, out (parsed JSON or null), err }. */
function tool(args, url) {
  return new Promise((resolve) =>
    execFile('node', [TOOL, ...args, '--url', url], (e, stdout, stderr) =>
      resolve({ code: e ? e.code : 0, out: e ? null : JSON.parse(stdout), err: stderr }),
    ),
  );
}

describe('AI agents', () => {
  let dev, api, keyring, provider, agents, bob, bobBytes;
  const run = (args) => tool(args, dev.chain.wsUrl);
  const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();

  before(async () => {
    dev = await startDevApi();
    ({ api, keyring } = dev);
    provider = new ethers.JsonRpcProvider(dev.chain.ethUrl, undefined, { staticNetwork: true });
    agents = new ethers.Contract(PRECOMPILE, ABI, provider);
    bob = keyring.addFromUri('//Bob');
    bobBytes = u8aToHex(decodeAddress(bob.address));
  });

  after(async () => {
    provider?.destroy();
    await dev?.stop();
  });

  it('registers an agent with the tool and shows it in the runtime API, the holds and the precompile', async () => {
    const r = await run([
      'register', '--suri', '//Bob', '--agent-suri', '//Bob//agent', '--train', '--serve',
      '--models', '0', '--endpoint', 'http://127.0.0.1:8080', '--bond', '1000', '--insert-key',
    ]);
    assert.equal(r.code, 0, r.err);
    const agentKey = keyring.addFromUri('//Bob//agent');
    assert.equal(r.out.agent, bob.address);
    assert.equal(r.out.key, hex(agentKey.publicKey));
    assert.equal(r.out.bond, '1000 OPEN');
    // the key went into the node's keystore, where its offchain worker will sign with it
    assert.equal((await dev.chain.rpc('author_hasKey', [hex(agentKey.publicKey), 'agnt'])).result, true);

    const view = (await api.call.agentsApi.agent(bob.address)).unwrap();
    assert.equal(view.bond.toBigInt(), 1000n * OPEN);
    assert.equal(view.status.type, 'Active');
    assert.deepEqual(view.capabilities.map((c) => c.type), ['Train', 'Serve']);
    assert.deepEqual((await api.call.agentsApi.eligible('Train', 0)).map(String), [bob.address]);
    const holds = await api.query.balances.holds(bob.address);
    const hold = holds.find((h) => h.id.toString().includes('AgentBond'));
    assert.equal(hold.amount.toBigInt(), 1000n * OPEN, 'the bond is held under its own reason');

    const shown = await run(['show', '--owner', bob.address]);
    assert.equal(shown.code, 0, shown.err);
    assert.equal(shown.out.status, 'active');
    assert.deepEqual(shown.out.models, [0]);

    // Solidity sees the same agent through the precompile, once eth-rpc has the block.
    await waitFor('eth-rpc sees the agent', async () => (await agents.agent(bobBytes)).exists, 30_000);
    const a = await agents.agent(bobBytes);
    assert.equal(a.key, hex(agentKey.publicKey));
    assert.deepEqual([a.train, a.serve, [...a.models], a.endpoint], [true, true, [0n], 'http://127.0.0.1:8080']);
    assert.equal(a.bond, 1000n * OPEN);
    assert.equal(Number(a.status), 0);
    const m = await agents.metrics(bobBytes);
    assert.equal(m.exists, true);
    assert.equal(Number(m.jobsAssigned), 0);
    assert.ok(Number(m.lastActive) > 0, 'registration counts as activity');
    assert.equal(await agents.canWork(bobBytes, 0, 0), true);
    assert.equal(await agents.canWork(bobBytes, 0, 1), false, 'a model it does not hold');
    await assert.rejects(agents.canWork(bobBytes, 7, 0), /unknown capability/);
    assert.equal(Number(await agents.agentCount()), 1);
    const p = await agents.parameters();
    assert.equal(p.minBond, 1000n * OPEN);
    assert.deepEqual([p.missedSlashPpb, p.fraudSlashPpb, p.strikesBeforeSuspension].map(Number), [1e7, 2e8, 3]);
  });

  it('refuses bad registrations with the pallet errors, and bad options with the usage', async () => {
    const base = ['register', '--suri', '//Charlie', '--agent-suri', '//Charlie//agent', '--train', '--models', '0', '--endpoint', 'https://c.example'];
    let r = await run([...base, '--bond', '999']);
    assert.equal(r.code, 1);
    assert.match(r.err, /agents\.BondTooLow/);
    r = await run(['register', '--suri', '//Charlie', '--agent-suri', '//Charlie//agent', '--train', '--models', '5', '--endpoint', 'https://c.example', '--bond', '1000']);
    assert.equal(r.code, 1);
    assert.match(r.err, /agents\.UnknownModel/);
    r = await run(['register', '--suri', '//Charlie', '--agent-suri', '//Bob//agent', '--train', '--models', '0', '--endpoint', 'https://c.example', '--bond', '1000']);
    assert.match(r.err, /agents\.KeyInUse/);
    r = await run([...base.slice(0, -1), 'ftp://c.example', '--bond', '1000']);
    assert.equal(r.code, 2, 'a usage error');
    assert.match(r.err, /--endpoint must be an http/);

    // A key proof made for another owner does not register.
    const charlie = keyring.addFromUri('//Charlie');
    const key = keyring.addFromUri('//Charlie//stolen');
    const events = await sendTx(
      api,
      api.tx.agents.register(hex(key.publicKey), agentKeyProof(key, bob.address), { train: true, serve: false }, [0], 'https://c.example', 1000n * OPEN),
      charlie,
    );
    const failed = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
    assert.equal(api.registry.findMetaError(failed.event.data[0].asModule).name, 'BadKeyProof');
    assert.ok((await api.call.agentsApi.agent(charlie.address)).isNone);
  });

  it('unbonds after the governance-set period, deregisters and withdraws the whole bond', async () => {
    const alice = keyring.addFromUri('//Alice');
    const params = (await api.call.agentsApi.parameters()).toJSON();
    const period = 8;
    const set = await sendTx(api, api.tx.sudo.sudo(api.tx.agents.setParameters({ ...params, unbondingPeriod: period })), alice, { rejectOnError: true });
    assert.ok(set.find(({ event }) => api.events.agents.ParametersSet.is(event)));

    assert.equal((await run(['bond-extra', '--suri', '//Bob', '--amount', '10'])).out.bonded, '10 OPEN');
    let r = await run(['unbond', '--suri', '//Bob', '--amount', '1000']);
    assert.match(r.err, /agents\.BelowMinBond/, 'the active bond must stay at the minimum');
    r = await run(['unbond', '--suri', '//Bob', '--amount', '10']);
    assert.equal(r.code, 0, r.err);
    const { unlock } = r.out;
    r = await run(['withdraw', '--suri', '//Bob']);
    assert.match(r.err, /agents\.NothingToWithdraw/, 'not before the unlock block');
    await waitFor('the unlock block', async () => (await best()) >= unlock, 60_000);
    r = await run(['withdraw', '--suri', '//Bob']);
    assert.deepEqual([r.out?.withdrawn, r.out?.removed], ['10 OPEN', false], r.err);

    r = await run(['deregister', '--suri', '//Bob']);
    assert.equal(r.code, 0, r.err);
    assert.equal((await api.call.agentsApi.eligible('Train', 0)).length, 0, 'a leaving agent gets no work');
    await waitFor('the last unlock block', async () => (await best()) >= r.out.unlock, 60_000);
    r = await run(['withdraw', '--suri', '//Bob']);
    assert.deepEqual([r.out?.withdrawn, r.out?.removed], ['1000 OPEN', true], r.err);
    assert.ok((await api.call.agentsApi.agent(bob.address)).isNone);
    const holds = await api.query.balances.holds(bob.address);
    assert.ok(!holds.some((h) => h.id.toString().includes('AgentBond')), 'nothing held any more');
  });
});
