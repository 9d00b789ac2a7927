// Substrate RPC end to end with @polkadot/api, the library polkadot-js Apps is built on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN, startDevApi } from '../lib/substrate.mjs';

describe('Substrate RPC', () => {
  let dev, chain, api, keyring;

  before(async () => {
    dev = await startDevApi();
    ({ chain, api, keyring } = dev);
  });

  after(async () => {
    await dev?.stop();
  });

  it('reports OPEN in system_properties, consistent with the runtime', async () => {
    // The raw JSON-RPC answer, as any client sees it.
    const raw = (await chain.rpc('system_properties', [])).result;
    assert.deepEqual(raw, { ss58Format: 42, tokenDecimals: 18, tokenSymbol: 'OPEN' });
    // And as polkadot-js Apps reads it.
    const props = await api.rpc.system.properties();
    assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'OPEN');
    assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 18);
    assert.equal(props.ss58Format.unwrap().toNumber(), 42);
    assert.equal(api.consts.system.ss58Prefix.toNumber(), 42);
    const issuance = (await api.query.balances.totalIssuance()).toBigInt();
    assert.equal(issuance, 1_000_000_000n * OPEN, 'the fixed supply, at genesis and after blocks');
  });

  it('transfers OPEN between accounts and charges a fee', async () => {
    const alice = keyring.addFromUri('//Alice');
    const bob = keyring.addFromUri('//Bob');
    const free = async (who) => (await api.query.system.account(who)).data.free.toBigInt();
    const [aliceBefore, bobBefore] = [await free(alice.address), await free(bob.address)];

    const amount = 42n * OPEN;
    const events = await new Promise((resolve, reject) => {
      api.tx.balances
        .transferKeepAlive(bob.address, amount)
        .signAndSend(alice, ({ status, events, dispatchError }) => {
          if (dispatchError) reject(new Error(dispatchError.toString()));
          if (status.isInBlock || status.isFinalized) resolve(events);
        })
        .catch(reject);
    });
    const fee = events
      .map(({ event }) => event)
      .find((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid');
    assert.ok(fee, 'TransactionFeePaid event');
    const actualFee = fee.data[1].toBigInt();
    assert.ok(actualFee > 0n);

    assert.equal(await free(bob.address), bobBefore + amount);
    // Alice is also the block author in --dev, so she receives her own fee back.
    const aliceAfter = await free(alice.address);
    assert.equal(aliceAfter, aliceBefore - amount);
  });
});
