// Starts a real `openledger-node --dev` and `openledger-eth-rpc` for a test file, and stops them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BIN_DIR =
  process.env.OPENLEDGER_BIN_DIR ||
  path.join(os.homedir(), '.cache/openledger/target/release');
export const NODE_BIN = path.join(BIN_DIR, 'openledger-node');
export const ETH_RPC_BIN = path.join(BIN_DIR, 'openledger-eth-rpc');

export const CHAIN_ID = 1330660686n;

/** The standard Ethereum development accounts funded at genesis (their keys are public). */
export const ETH_DEV_KEYS = {
  alith: '0x5fb92d6e98884f76de468fa3f6278f8807c48bebc13595d45af5bdc4da702133',
  baltathar: '0x8075991ce870b93a8870eca0c0f91913d12f47948ca0fd25b49c6fa7cdbeee8b',
  charleth: '0x0b6e18cafb6ed99687ec547bd28139cafdd2bffe70e6b688025de6b445aa5c5b',
  dorothy: '0x39539ab1876910bbf3a223d84a29e28f1cb4e2e456503e7e91ed39b2e7223d68',
  ethan: '0x7dce9bc8babb68fec1409be38c8e1a52650206a7ed90ff956ae8a6d15eeaaef4',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

export async function waitFor(what, fn, timeoutMs, proc) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) {
      throw new Error(`${what}: process exited with code ${proc.exitCode}`);
    }
    try {
      if (await fn()) return;
    } catch (e) {
      lastErr = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
}

let portBase = 20000 + (process.pid % 2000) * 4;

/**
 * Starts a dev chain. Returns { wsUrl, httpUrl, ethUrl, aiUrl (the OpenAI-compatible
 * endpoint), stop, logs }.
 * `nodeArgs` are extra arguments for openledger-node.
 */
export async function startDevChain({ nodeArgs = [] } = {}) {
  for (const bin of [NODE_BIN, ETH_RPC_BIN]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup first`);
  }
  const rpcPort = portBase++;
  const ethPort = portBase++;
  const p2pPort = portBase++;
  const aiPort = portBase++;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openledger-e2e-'));
  const nodeLog = fs.openSync(path.join(logDir, 'node.log'), 'w');
  const ethLog = fs.openSync(path.join(logDir, 'eth-rpc.log'), 'w');

  const node = spawn(
    NODE_BIN,
    [
      '--dev',
      '--rpc-port', String(rpcPort),
      '--port', String(p2pPort),
      '--no-prometheus',
      '--no-telemetry',
      '--state-pruning', 'archive',
      '--blocks-pruning', 'archive',
      '--ai-http-port', String(aiPort),
      ...nodeArgs,
    ],
    { stdio: ['ignore', nodeLog, nodeLog] },
  );
  const httpUrl = `http://127.0.0.1:${rpcPort}`;
  const started = Date.now();
  await waitFor(
    'the node RPC',
    async () => (await rpc(httpUrl, 'chain_getHeader')).result?.number > '0x0',
    120_000,
    node,
  );
  const firstBlockMs = Date.now() - started;

  const eth = spawn(
    ETH_RPC_BIN,
    [
      '--dev',
      '--node-rpc-url', `ws://127.0.0.1:${rpcPort}`,
      '--rpc-port', String(ethPort),
      '--no-prometheus',
    ],
    { stdio: ['ignore', ethLog, ethLog] },
  );
  const ethUrl = `http://127.0.0.1:${ethPort}`;
  await waitFor('eth-rpc', async () => (await rpc(ethUrl, 'eth_chainId')).result, 120_000, eth);

  const stop = async () => {
    for (const p of [eth, node]) {
      if (p.exitCode === null) {
        p.kill('SIGINT');
      }
    }
    await Promise.all(
      [eth, node].map(
        (p) =>
          new Promise((resolve) => {
            if (p.exitCode !== null) return resolve();
            const t = setTimeout(() => {
              p.kill('SIGKILL');
              resolve();
            }, 10_000);
            p.on('exit', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  };
  return {
    wsUrl: `ws://127.0.0.1:${rpcPort}`,
    httpUrl,
    ethUrl,
    aiUrl: `http://127.0.0.1:${aiPort}/v1`,
    logDir,
    firstBlockMs,
    node,
    eth,
    stop,
    rpc: (method, params) => rpc(httpUrl, method, params),
    ethRpc: (method, params) => rpc(ethUrl, method, params),
  };
}
