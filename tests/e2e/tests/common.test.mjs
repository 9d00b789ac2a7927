// The shared helpers (tools/common) against the chain's definitions: the content-hash test
// vector that `openledger_primitives::content::tests::test_vector` asserts on the Rust side, and
// exact OPEN amounts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contentHash, formatOpen, hex, OPEN, parseOpen } from '@openledger/common';

describe('shared helpers', () => {
  it('computes the same content hash as the runtime', () => {
    const data = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(hex(contentHash(data, 4)), '0x3eccd14a6e7edfdb1cb635760384360bfdce4fa6cecacd914f0f7feb70f1f6eb');
    assert.throws(() => contentHash(data, 0), /bad chunk size/);
  });

  it('parses and formats OPEN exactly', () => {
    assert.equal(parseOpen('0.01'), OPEN / 100n);
    assert.equal(parseOpen('12'), 12n * OPEN);
    assert.equal(parseOpen('0.000000000000000001'), 1n);
    assert.throws(() => parseOpen('1e3'), /not an OPEN amount/);
    assert.throws(() => parseOpen('-1'), /not an OPEN amount/);
    assert.equal(formatOpen(15n * OPEN / 100n), '0.15 OPEN');
    assert.equal(formatOpen(2n * OPEN), '2 OPEN');
    assert.equal(formatOpen(0n), '0 OPEN');
  });
});
