// Measures the dev chain: time from process start to block #1, the block interval over N blocks
// (from on-chain timestamps), and the latency of an Ethereum transfer from send to receipt.
// Run through `scripts/bench dev-chain`; prints a table.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { ethers } from 'ethers';
import { ETH_DEV_KEYS, startDevChain } from './lib/chain.mjs';

const BLOCKS = Number(process.env.BLOCKS || 20);
const TRANSFERS = Number(process.env.TRANSFERS || 5);

const rows = [];
const chain = await startDevChain();
try {
  rows.push(['node start -> block #1 imported (ms)', chain.firstBlockMs]);
  const api = await ApiPromise.create({ provider: new WsProvider(chain.wsUrl), noInitWarn: true });
  const start = (await api.rpc.chain.getHeader()).number.toNumber();
  await new Promise((resolve) => {
    const unsub = api.rpc.chain.subscribeNewHeads((h) => {
      if (h.number.toNumber() >= start + BLOCKS) {
        unsub.then((u) => u());
        resolve();
      }
    });
  });
  const at = async (n) => {
    const hash = await api.rpc.chain.getBlockHash(n);
    return (await (await api.at(hash)).query.timestamp.now()).toNumber();
  };
  const t0 = await at(start);
  const t1 = await at(start + BLOCKS);
  rows.push([`mean block interval over ${BLOCKS} blocks (ms)`, Math.round((t1 - t0) / BLOCKS)]);
  await api.disconnect();

  const provider = new ethers.JsonRpcProvider(chain.ethUrl, undefined, {
    staticNetwork: true,
    pollingInterval: 100,
  });
  const alith = new ethers.Wallet(ETH_DEV_KEYS.alith, provider);
  const latencies = [];
  for (let i = 0; i < TRANSFERS; i++) {
    const t = Date.now();
    const tx = await alith.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 10n ** 18n });
    await tx.wait();
    latencies.push(Date.now() - t);
  }
  latencies.sort((a, b) => a - b);
  rows.push([`eth transfer send -> receipt, min (ms, n=${TRANSFERS})`, latencies[0]]);
  rows.push([`eth transfer send -> receipt, median (ms, n=${TRANSFERS})`, latencies[Math.floor(TRANSFERS / 2)]]);
  rows.push([`eth transfer send -> receipt, max (ms, n=${TRANSFERS})`, latencies[TRANSFERS - 1]]);
  provider.destroy();
} finally {
  await chain.stop();
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`| ${'measure'.padEnd(w)} | value |`);
console.log(`| ${'-'.repeat(w)} | ----- |`);
for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${String(v).padStart(5)} |`);
