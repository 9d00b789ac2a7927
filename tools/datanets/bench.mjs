// Measures, on a running dev chain: how many small contributions fit in a block, and the upload
// throughput of a large file; prints a Markdown table. Used by `scripts/bench datanets` (which
// starts the chain): node bench.mjs [ws-url] [small-count] [large-file-MB]
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { send } from '@openledger/common';

const url = process.argv[2] || 'ws://127.0.0.1:9944';
const SMALL = Number(process.argv[3] || 400);
const BIG_MB = Number(process.argv[4] || 8);
const here = path.dirname(fileURLToPath(import.meta.url));
await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const cli = (args) => JSON.parse(execFileSync('node', [path.join(here, 'cli.mjs'), ...args, '--url', url], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());

const d = cli(['create', '--name', 'bench', '--kind', 'text', '--deposit', '0.01', '--daily-count', '100000', '--daily-bytes', '1000000000', '--suri', '//Alice']).datanet;
// Small contributions (about 200 bytes each) from several accounts, all submitted at once.
const senders = ['//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((s) => keyring.addFromUri(s));
const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
const perSender = Math.ceil(SMALL / senders.length);
const sends = [];
for (const who of senders) {
  let nonce = (await api.rpc.system.accountNextIndex(who.address)).toNumber();
  for (let i = 0; i < perSender; i++) {
    const text = `sample ${who.address.slice(0, 8)} ${i} ` + crypto.randomBytes(72).toString('hex');
    sends.push(send(api, api.tx.datanets.contribute(d, 'Text', text), who, { rejectOnError: true, nonce: nonce++ }));
  }
}
const t0 = Date.now();
await Promise.all(sends);
const secs = (Date.now() - t0) / 1000;
const endBlock = (await api.rpc.chain.getHeader()).number.toNumber();
const counts = [];
for (let n = startBlock + 1; n <= endBlock; n++) {
  const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(n));
  const c = block.block.extrinsics.filter((x) => x.method.section === 'datanets' && x.method.method === 'contribute').length;
  if (c > 0) counts.push(c);
}
counts.sort((a, b) => a - b);
// One large file through the contributor tool.
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-datanets-')), 'big.txt');
fs.writeFileSync(file, crypto.randomBytes(Math.floor((BIG_MB * 1e6 * 3) / 4)).toString('base64'));
const up = cli(['upload', '--datanet', String(d), '--file', file, '--suri', '//Alice']);
const small = perSender * senders.length;
console.log(`
| datanets on the --dev chain (1 s blocks) | value |
|---|---:|
| small contributions (~200 B, ${senders.length} senders) submitted | ${small} |
| contributions per block: max / median | ${counts[counts.length - 1]} / ${counts[Math.floor(counts.length / 2)]} |
| contributions per second (submission to inclusion) | ${(small / secs).toFixed(1)} |
| upload of ${(up.size / 1e6).toFixed(1)} MB through scripts/datanets | ${up.seconds.toFixed(2)} s, ${up.mbPerSec.toFixed(2)} MB/s |`);
await api.disconnect();
