// OpenGov end to end with @polkadot/api (the library polkadot-js Apps is built on): the metadata
// paths Apps' Governance pages need, and a referendum on the economic-parameters track that
// changes the fee split, from preimage to enactment, on the dev chain's short tracks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN, send as sendTx, startDevApi } from '../lib/substrate.mjs';

const send = (api, tx, signer) => sendTx(api, tx, signer, { rejectOnError: true });

async function waitFor(check, what, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('OpenGov', () => {
  let dev, api, keyring;

  before(async () => {
    dev = await startDevApi();
    ({ api, keyring } = dev);
  });

  after(async () => {
    await dev?.stop();
  });

  it('has every metadata path polkadot-js Apps reads for its Governance pages', () => {
    assert.equal(typeof api.tx.referenda.submit, 'function');
    assert.equal(typeof api.tx.convictionVoting.vote, 'function');
    assert.equal(typeof api.query.preimage.statusFor, 'function');
    assert.equal(typeof api.tx.whitelist.removeWhitelistedCall, 'function');
    assert.ok(Object.keys(api.query.treasury).length > 0, 'query.treasury.*');
    assert.equal(typeof api.query.treasury.spends, 'function');
    // Names are fixed 25-byte arrays padded with NUL bytes (as on Polkadot); Apps trims them.
    const tracks = api.consts.referenda.tracks.map(([id, info]) => [id.toNumber(), info.name.toString().replace(/\0+$/, '')]);
    assert.deepEqual(tracks, [
      [0, 'root'],
      [1, 'whitelisted_caller'],
      [2, 'treasurer'],
      [3, 'economic_parameters'],
      [4, 'model_registrar'],
    ]);
    // The development chain runs the short tracks: periods in blocks.
    const economic = api.consts.referenda.tracks[3][1];
    assert.ok(economic.decisionPeriod.toNumber() <= 20);
    assert.ok(economic.confirmPeriod.toNumber() <= 2);
  });

  it('changes the fee split through a referendum on the economic-parameters track', async () => {
    const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((s) => keyring.addFromUri(s));
    const started = Date.now();
    const split = { treasury: 150_000_000, modelOwner: 350_000_000, stakers: 100_000_000, contributors: 400_000_000 };
    const call = api.tx.tokenomics.setFeeSplit(split);

    // 1. Note the preimage.
    const bytes = call.method.toHex();
    const hash = call.method.hash.toHex();
    await send(api, api.tx.preimage.notePreimage(bytes), alice);
    assert.ok((await api.query.preimage.requestStatusFor(hash)).isSome, 'preimage noted');

    // 2. Submit on the economic-parameters track (by its origin).
    const events = await send(
      api,
      api.tx.referenda.submit({ Origins: 'EconomicParameters' }, { Lookup: { hash, len: call.method.encodedLength } }, { After: 1 }),
      alice,
    );
    const submitted = events.find(({ event }) => api.events.referenda.Submitted.is(event)).event;
    const index = submitted.data.index.toNumber();
    assert.equal(submitted.data.track.toNumber(), 3, 'economic_parameters track');

    // 3. Votes with conviction from four accounts (one against), while the referendum waits for
    // its decision deposit, so the tally can be read before it is decided.
    const vote = (aye, conviction, amount) => ({ Standard: { vote: { aye, conviction }, balance: amount * OPEN } });
    await send(api, api.tx.convictionVoting.vote(index, vote(true, 'Locked3x', 1_000n)), alice);
    await send(api, api.tx.convictionVoting.vote(index, vote(true, 'Locked1x', 500n)), bob);
    await send(api, api.tx.convictionVoting.vote(index, vote(true, 'None', 100n)), charlie);
    await send(api, api.tx.convictionVoting.vote(index, vote(false, 'Locked1x', 200n)), dave);
    const tally = (await api.query.referenda.referendumInfoFor(index)).unwrap().asOngoing.tally;
    // Ayes: 3 × 1000 + 1 × 500 + 0.1 × 100 = 3510 OPEN; nays: 200 OPEN.
    assert.equal(tally.ayes.toBigInt(), 3_510n * OPEN);
    assert.equal(tally.nays.toBigInt(), 200n * OPEN);

    // 4. The decision deposit starts the decision.
    await send(api, api.tx.referenda.placeDecisionDeposit(index), bob);

    // 5. Confirmation and enactment.
    await waitFor(async () => (await api.query.referenda.referendumInfoFor(index)).unwrap().isApproved, 'approval');
    const now = await waitFor(async () => {
      const s = await api.query.tokenomics.feeSplit();
      return s.treasury.toNumber() === 150_000_000 ? s : null;
    }, 'enactment');
    assert.equal(now.modelOwner.toNumber(), 350_000_000);
    const p = await api.call.tokenomicsApi.parameters();
    assert.equal(p.feeSplit.treasury.toNumber(), 150_000_000);
    console.log(`# referendum from preimage to enactment: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // Votes stay locked with conviction: Alice's 1000 OPEN are locked by conviction voting.
    const locks = await api.query.balances.locks(alice.address);
    assert.ok(locks.some((l) => l.id.toUtf8().startsWith('pyconvot') && l.amount.toBigInt() >= 1_000n * OPEN));
  });

  it('refuses a signed account that tries to change a parameter directly', async () => {
    const alice = keyring.addFromUri('//Alice');
    // A signed account cannot change parameters directly.
    const split = { treasury: 100_000_000, modelOwner: 400_000_000, stakers: 100_000_000, contributors: 400_000_000 };
    await assert.rejects(send(api, api.tx.tokenomics.setFeeSplit(split), alice), /BadOrigin/);
  });
});
