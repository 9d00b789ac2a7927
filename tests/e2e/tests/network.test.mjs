// Two validators (Alice and Bob) on the `local` chain: Aura authors blocks, GRANDPA finalizes them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_BIN } from '../lib/chain.mjs';

const ALICE_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000001';
const ALICE_PEER_ID = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const BOB_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000002';

async function rpc(port, method, params = []) {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()).result;
}

async function finalizedNumber(port) {
  const hash = await rpc(port, 'chain_getFinalizedHead');
  const header = await rpc(port, 'chain_getHeader', [hash]);
  return parseInt(header.number, 16);
}

describe('local two-validator network', () => {
  const procs = [];
  const base = 24000 + (process.pid % 1000) * 4;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openledger-net-'));

  after(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('authors blocks with Aura and finalizes them with GRANDPA', async () => {
    const start = (name, p2p, rpcPort, extra) => {
      const log = fs.openSync(path.join(dir, `${name}.log`), 'w');
      const p = spawn(
        NODE_BIN,
        [
          '--chain', 'local', `--${name}`, '--validator',
          '--base-path', path.join(dir, name),
          '--port', String(p2p), '--rpc-port', String(rpcPort),
          '--no-prometheus', '--no-telemetry', '--no-mdns',
          ...extra,
        ],
        { stdio: ['ignore', log, log] },
      );
      procs.push(p);
      return p;
    };
    start('alice', base, base + 1, ['--node-key', ALICE_NODE_KEY]);
    start('bob', base + 2, base + 3, [
      '--node-key', BOB_NODE_KEY,
      '--bootnodes', `/ip4/127.0.0.1/tcp/${base}/p2p/${ALICE_PEER_ID}`,
    ]);

    const deadline = Date.now() + 120_000;
    let aliceFinal = 0, bobFinal = 0, peers = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      try {
        aliceFinal = await finalizedNumber(base + 1);
        bobFinal = await finalizedNumber(base + 3);
        peers = (await rpc(base + 1, 'system_health')).peers;
      } catch {
        continue;
      }
      if (aliceFinal >= 2 && bobFinal >= 2) break;
    }
    assert.equal(peers, 1, `alice sees bob (logs in ${dir})`);
    assert.ok(aliceFinal >= 2 && bobFinal >= 2,
      `GRANDPA finalized blocks on both nodes: alice ${aliceFinal}, bob ${bobFinal} (logs in ${dir})`);

    // Both validators authored: the authors of the first blocks alternate between two keys.
    const authors = new Set();
    for (let n = 1; n <= Math.min(aliceFinal, 4); n++) {
      const hash = await rpc(base + 1, 'chain_getBlockHash', [n]);
      const header = await rpc(base + 1, 'chain_getHeader', [hash]);
      const aura = header.digest.logs.find((l) => l.startsWith('0x0661757261'));
      if (aura) authors.add(parseInt(aura.slice(14, 30).match(/../g).reverse().join(''), 16) % 2);
    }
    assert.equal(authors.size, 2, 'blocks from both Alice and Bob');
  });
});
