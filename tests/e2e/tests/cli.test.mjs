// The node's command line: bad input gives a clear message and a non-zero exit status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { NODE_BIN, ETH_RPC_BIN } from '../lib/chain.mjs';

const run = (bin, args) => spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });

describe('command line', () => {
  it('rejects an unknown flag', () => {
    const r = run(NODE_BIN, ['--no-such-flag']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unexpected argument '--no-such-flag'/);
  });

  it('rejects a chain spec path that does not exist', () => {
    const r = run(NODE_BIN, ['--chain', '/nonexistent/spec.json', '--tmp']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /no chain spec file exists at that path/);
  });

  it('rejects a chain spec file that is not a chain spec', () => {
    const r = run(NODE_BIN, ['--chain', '/etc/hostname', '--tmp']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /cannot read the chain spec file/);
  });

  it('rejects an out-of-range dev block time', () => {
    const r = run(NODE_BIN, ['--dev', '--dev-block-time', '5']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /dev-block-time/);
  });

  it('exports the dev and local chain specs with OPEN properties', () => {
    for (const chain of ['dev', 'local']) {
      const r = run(NODE_BIN, ['export-chain-spec', '--chain', chain]);
      assert.equal(r.status, 0, r.stderr);
      const spec = JSON.parse(r.stdout);
      assert.equal(spec.properties.tokenSymbol, 'OPEN');
      assert.equal(spec.properties.tokenDecimals, 18);
      assert.equal(spec.properties.ss58Format, 42);
    }
  });

  it('eth-rpc rejects an unknown flag', () => {
    const r = run(ETH_RPC_BIN, ['--no-such-flag']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no-such-flag/);
  });
});
