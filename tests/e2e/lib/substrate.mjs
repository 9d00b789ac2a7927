// Shared by the @polkadot/api tests: a dev chain with a connected API, and sending extrinsics.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevChain } from './chain.mjs';

// `OPEN`, `send` and the other shared helpers live in @openledger/common (tools/common).
export { OPEN, send } from '@openledger/common';

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
