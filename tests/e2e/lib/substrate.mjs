// Shared by the @polkadot/api tests: a dev chain with a connected API, and sending extrinsics.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevChain } from './chain.mjs';

export const OPEN = 10n ** 18n;

/** Starts a dev chain and connects @polkadot/api to it; `stop()` disconnects and stops. */
export async function startDevApi() {
  await cryptoWaitReady();
  const chain = await startDevChain();
  const api = await ApiPromise.create({ provider: new WsProvider(chain.wsUrl), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  return {
    chain,
    api,
    keyring,
    async stop() {
      await api.disconnect();
      await chain.stop();
    },
  };
}

/**
 * Sends `tx` signed by `signer`; resolves with its events once in a block (dev chains may report
 * Finalized without InBlock). With `{ rejectOnError: true }` a failed dispatch rejects with
 * `section.method: pallet.Error`.
 */
export function send(api, tx, signer, { rejectOnError = false } = {}) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError && rejectOnError) {
        const e = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        const name = e ? `${e.section}.${e.name}` : dispatchError.toString();
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${name}`));
      } else if (status.isInBlock || status.isFinalized) resolve(events);
    }).catch(reject);
  });
}
