// Tokenomics end to end with @polkadot/api: the genesis allocation and vesting as anyone can
// audit them, the parameters through the runtime API, and who may change them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAddress } from '@polkadot/util-crypto';
import { OPEN, send as sendTx, startDevApi } from '../lib/substrate.mjs';

const MONTH = 30 * 14_400;
const BILLION = 1_000_000_000n * OPEN;

/** The account of a pallet id, as `PalletId::into_account_truncating` derives it. */
function poolAddress(id) {
  const raw = new Uint8Array(32);
  raw.set(new TextEncoder().encode(`modl${id}`));
  return encodeAddress(raw, 42);
}


describe('Tokenomics', () => {
  let dev, api, keyring;
  const send = (tx, signer) => sendTx(api, tx, signer);

  before(async () => {
    dev = await startDevApi();
    ({ api, keyring } = dev);
  });

  after(async () => {
    await dev?.stop();
  });

  it('allocates the fixed supply to the five pools with the published vesting', async () => {
    const pools = {
      'ol/cmnty': [517_100_000n, 0, 48 * MONTH],
      'ol/invst': [182_900_000n, 12 * MONTH, 36 * MONTH],
      'ol/teamm': [150_000_000n, 12 * MONTH, 36 * MONTH],
      'ol/ecsys': [100_000_000n, null, null],
      'ol/lqdty': [50_000_000n, null, null],
    };
    let total = 0n;
    for (const [id, [amount, start, length]] of Object.entries(pools)) {
      const who = poolAddress(id);
      const account = await api.query.system.account(who);
      const balance = account.data.free.toBigInt() + account.data.reserved.toBigInt();
      total += amount * OPEN;
      const schedules = await api.query.vesting.vesting(who);
      if (start === null) {
        assert.ok(schedules.isNone, `${id} is liquid`);
        // The ecosystem pool funds the development accounts; the others hold exactly their share.
        if (id !== 'ol/ecsys') assert.equal(balance, amount * OPEN, id);
        continue;
      }
      assert.equal(balance, amount * OPEN, id);
      const [schedule] = schedules.unwrap();
      assert.equal(schedule.locked.toBigInt(), amount * OPEN, `${id} locked`);
      assert.equal(schedule.startingBlock.toNumber(), start, `${id} start`);
      assert.equal(schedule.perBlock.toBigInt(), (amount * OPEN) / BigInt(length), `${id} per block`);
    }
    assert.equal(total, BILLION);
  });

  it('reports the parameters through the runtime API', async () => {
    const p = await api.call.tokenomicsApi.parameters();
    const split = p.feeSplit;
    const parts = ['treasury', 'modelOwner', 'stakers', 'contributors'].map((k) => split[k].toBigInt());
    assert.deepEqual(parts, [100_000_000n, 400_000_000n, 100_000_000n, 400_000_000n]);
    assert.equal(parts.reduce((a, b) => a + b), 1_000_000_000n, 'exactly 100 %');
    assert.equal(p.contributionSlash.toNumber(), 100_000_000);
    assert.equal(p.maxSupply.toBigInt(), BILLION);
    assert.ok(p.totalIssuance.toBigInt() <= BILLION);
  });

  it('lets only governance change the fee split, and only to a whole one', async () => {
    const alice = keyring.addFromUri('//Alice');
    const split = { treasury: 200_000_000, modelOwner: 300_000_000, stakers: 100_000_000, contributors: 400_000_000 };

    // A signed account: BadOrigin, nothing changes.
    let events = await send(api.tx.tokenomics.setFeeSplit(split), alice);
    const failed = events.find(({ event }) => api.events.system.ExtrinsicFailed.is(event));
    assert.ok(failed, 'refused');
    assert.ok(failed.event.data[0].isBadOrigin);

    // Governance (sudo on the dev chain) with a split of 101 %: SplitNotWhole.
    events = await send(api.tx.sudo.sudo(api.tx.tokenomics.setFeeSplit({ ...split, stakers: 110_000_000 })), alice);
    const sudid = events.find(({ event }) => api.events.sudo.Sudid.is(event));
    const err = sudid.event.data[0].asErr;
    assert.equal(api.registry.findMetaError(err.asModule).name, 'SplitNotWhole');
    assert.equal((await api.query.tokenomics.feeSplit()).treasury.toNumber(), 100_000_000);

    // A whole split: applied, with its event, and read back.
    events = await send(api.tx.sudo.sudo(api.tx.tokenomics.setFeeSplit(split)), alice);
    assert.ok(events.find(({ event }) => api.events.tokenomics.FeeSplitSet.is(event)));
    const now = (await api.call.tokenomicsApi.parameters()).feeSplit;
    assert.equal(now.treasury.toNumber(), 200_000_000);
    assert.equal(now.modelOwner.toNumber(), 300_000_000);
  });
});
