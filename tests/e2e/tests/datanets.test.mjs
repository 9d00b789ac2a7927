// Datanets end to end: the contributor's tool (scripts/datanets) uploads a multi-megabyte file to
// a real dev chain, a curator accepts it, the bytes come back through the node's datanets_* RPC,
// and deposits and balances add up; garbage is refused with the pallet's errors and costs nothing
// but fees.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentHash, hex } from '@openledger/common';
import { OPEN, startDevApi } from '../lib/substrate.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TOOL = path.join(ROOT, 'tools/datanets/cli.mjs');
function tool(args, url) {
  return new Promise((resolve) => {
    execFile('node', [TOOL, ...args, ...(url ? ['--url', url] : [])], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code ?? 1 : 0, out: stdout.trim(), err: stderr.trim() });
    });
  });
}

async function ok(args, url) {
  const r = await tool(args, url);
  assert.equal(r.code, 0, `${args.join(' ')} failed: ${r.err}`);
  return JSON.parse(r.out);
}

describe('Datanets', () => {
  let dev, chain, api, keyring, bob, dir;

  before(async () => {
    dev = await startDevApi();
    ({ chain, api, keyring } = dev);
    bob = keyring.addFromUri('//Bob');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datanets-e2e-'));
  });

  after(async () => {
    await dev?.stop();
  });

  const account = async (who) => (await api.query.system.account(who)).data;
  const held = async (who) => {
    const holds = await api.query.balances.holds(who);
    return holds
      .filter((h) => h.id.toHuman()?.Datanets === 'ContributionDeposit')
      .reduce((a, h) => a + h.amount.toBigInt(), 0n);
  };

  it('uploads a multi-megabyte file, curates it, and serves the bytes back by hash', async () => {
    const created = await ok(['create', '--name', 'corpus', '--kind', 'text', '--deposit', '2', '--suri', '//Alice'], chain.wsUrl);
    const datanet = created.datanet;
    // 3.5 MB of text: four 1 MiB chunks.
    const text = crypto.randomBytes(2_625_000).toString('base64');
    const file = path.join(dir, 'corpus.txt');
    fs.writeFileSync(file, text);
    const before = await account(bob.address);
    const run = await tool(['upload', '--datanet', String(datanet), '--file', file, '--suri', '//Bob'], chain.wsUrl);
    assert.equal(run.code, 0, run.err);
    const up = JSON.parse(run.out);
    // Progress while it runs: every chunk reported, with its rate, before the result.
    for (let i = 1; i <= 4; i++) assert.match(run.err, new RegExp(`chunk ${i} of 4 in a block, [0-9.]+ MB/s`));
    assert.equal(up.size, Buffer.byteLength(text));
    // The hash the tool sent is the one the shared helper computes with the runtime's chunk size.
    assert.equal(up.hash, hex(contentHash(Buffer.from(text), api.consts.datanets.chunkSize.toNumber())));
    assert.equal(up.status, 'Pending');
    console.log(`# upload of ${(up.size / 1e6).toFixed(1)} MB: ${up.seconds.toFixed(2)} s, ${up.mbPerSec.toFixed(2)} MB/s`);
    assert.equal(await held(bob.address), 2n * OPEN, 'the deposit is held while pending');
    const pending = await api.call.datanetsApi.contributions(datanet, 'Pending', 0, 10);
    assert.deepEqual(pending.map(([id]) => id.toNumber()), [up.contribution]);

    const acc = await ok(['accept', '--datanet', String(datanet), '--ids', String(up.contribution), '--suri', '//Alice'], chain.wsUrl);
    assert.equal(acc.version, 1);
    const version = (await api.call.datanetsApi.version(datanet, 1)).unwrap();
    assert.equal(version.commitment.toHex(), acc.commitment);
    assert.equal(version.accepted.toNumber(), 1);
    const record = await api.call.datanetsApi.contributorRecord(datanet, bob.address);
    assert.deepEqual([record.accepted.toNumber(), record.rejected.toNumber()], [1, 0]);
    assert.equal(await held(bob.address), 0n, 'the deposit is back');
    const after = await account(bob.address);
    const spent = before.free.toBigInt() - after.free.toBigInt();
    assert.ok(spent > 0n && spent < OPEN / 10n, `only fees were spent: ${spent}`);
    const [view] = await api.call.datanetsApi.datanets(datanet, 1);
    assert.equal(view.version.toNumber(), 1);
    assert.equal(Buffer.from(view.name).toString(), 'corpus');

    // The record as a user reads it: plain field names, the deposit in OPEN.
    const shown = await ok(['show', '--id', String(up.contribution)], chain.wsUrl);
    assert.deepEqual(Object.keys(shown), ['id', 'datanet', 'contributor', 'hash', 'size', 'kind', 'status', 'deposit', 'block']);
    assert.equal(shown.contributor, bob.address);
    assert.equal(shown.size, up.size);
    assert.equal(shown.hash, up.hash);
    assert.equal(shown.kind, 'text');
    assert.deepEqual(shown.status, { accepted: 1 });
    assert.equal(shown.deposit, '2 OPEN');

    // Read back: the tool (chunk by chunk) and the whole-content RPC.
    const out = path.join(dir, 'back.txt');
    await ok(['download', '--hash', up.hash, '--out', out], chain.wsUrl);
    assert.ok(fs.readFileSync(out).equals(Buffer.from(text)), 'identical bytes');
    const info = (await chain.rpc('datanets_contentInfo', [up.hash])).result;
    assert.deepEqual(info, { size: up.size, chunks: 4 });
    const whole = (await chain.rpc('datanets_content', [up.hash])).result;
    assert.equal(Buffer.from(whole.slice(2), 'hex').toString(), text);
    const missing = await chain.rpc('datanets_content', ['0x' + '11'.repeat(32)]);
    assert.equal(missing.error.code, 4001);
    assert.match(missing.error.message, /does not hold/);
    const badIndex = await chain.rpc('datanets_contentChunk', [up.hash, 9]);
    assert.equal(badIndex.error.code, 4004);
  });

  it('refuses garbage with the pallet errors and loses nothing but fees', async () => {
    const small = await ok(
      ['create', '--name', 'strict', '--kind', 'text', '--deposit', '1', '--max-size', '1000', '--daily-count', '2', '--suri', '//Alice'],
      chain.wsUrl,
    );
    const d = String(small.datanet);
    const write = (name, data) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, data);
      return p;
    };
    const bobBefore = (await account(bob.address)).free.toBigInt();
    const expectErr = async (args, pattern) => {
      const r = await tool(args, chain.wsUrl);
      assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
      assert.match(r.err, pattern);
    };
    // Wrong kind, oversize, invalid UTF-8, unknown image format.
    await expectErr(['upload', '--datanet', d, '--file', write('a.png', '\x89PNG\r\n\x1a\nabc'), '--kind', 'image', '--suri', '//Bob'], /datanets\.WrongKind/);
    await expectErr(['upload', '--datanet', d, '--file', write('big.txt', 'x'.repeat(2000)), '--suri', '//Bob'], /datanets\.TooLarge/);
    await expectErr(['upload', '--datanet', d, '--file', write('bad.txt', Buffer.from([0x61, 0xff, 0x62])), '--suri', '//Bob'], /datanets\.InvalidUtf8/);
    // Over quota: two a day.
    await ok(['upload', '--datanet', d, '--file', write('1.txt', 'one'), '--suri', '//Bob'], chain.wsUrl);
    await ok(['upload', '--datanet', d, '--file', write('2.txt', 'two'), '--suri', '//Bob'], chain.wsUrl);
    await expectErr(['upload', '--datanet', d, '--file', write('3.txt', 'three'), '--suri', '//Bob'], /datanets\.QuotaExceeded/);
    // Duplicate content.
    await expectErr(['upload', '--datanet', d, '--file', write('1b.txt', 'one'), '--suri', '//Charlie'], /datanets\.Duplicate/);
    // Bad chunk order, straight through the API.
    const big = await ok(['create', '--name', 'chunks', '--kind', 'text', '--deposit', '1', '--suri', '//Alice'], chain.wsUrl);
    const charlie = keyring.addFromUri('//Charlie');
    const sendTx = (tx, who) =>
      new Promise((resolve, reject) => {
        tx.signAndSend(who, ({ status, events, dispatchError }) => {
          if (dispatchError) {
            const m = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
            resolve({ error: m ? `${m.section}.${m.name}` : dispatchError.toString() });
          } else if (status.isInBlock || status.isFinalized) resolve({ events });
        }).catch(reject);
      });
    const begun = await sendTx(api.tx.datanets.beginUpload(big.datanet, 'Text', 3 * 1024 * 1024, '0x' + '22'.repeat(32)), charlie);
    const upload = begun.events.find(({ event }) => event.method === 'UploadStarted').event.data.upload;
    const outOfOrder = await sendTx(api.tx.datanets.uploadChunk(upload, 1, '0x' + '61'.repeat(1024 * 1024)), charlie);
    assert.equal(outOfOrder.error, 'datanets.WrongChunk');
    const early = await sendTx(api.tx.datanets.finishUpload(upload), charlie);
    assert.equal(early.error, 'datanets.Incomplete');
    const cancelled = await sendTx(api.tx.datanets.abandonUpload(upload), charlie);
    assert.ok(cancelled.events, 'the uploader can abandon');
    assert.equal(await held(charlie.address), 0n, 'and gets the deposit back');

    // Only the two accepted-for-curation contributions hold deposits; nothing else was taken.
    assert.equal(await held(bob.address), 2n * OPEN);
    const bobAfter = (await account(bob.address)).free.toBigInt();
    const lost = bobBefore - bobAfter - 2n * OPEN;
    assert.ok(lost >= 0n && lost < OPEN / 100n, `refused submissions cost only fees: ${lost}`);
    const [view] = await api.call.datanetsApi.datanets(small.datanet, 1);
    assert.equal(view.pending.toNumber(), 2);
  });

  it('rejects with a named reason, slashing the governance share to the treasury', async () => {
    const d = await ok(['create', '--name', 'reasons', '--deposit', '1.5', '--suri', '//Alice'], chain.wsUrl);
    const file = path.join(dir, 'offtopic.txt');
    fs.writeFileSync(file, 'a recipe for soup, in a datanet about rust compilers');
    const up = await ok(['upload', '--datanet', String(d.datanet), '--file', file, '--suri', '//Bob'], chain.wsUrl);
    const r = await ok(['reject', '--datanet', String(d.datanet), '--id', String(up.contribution), '--reason', 'off-topic', '--suri', '//Alice'], chain.wsUrl);
    // 10 % of 1.5 OPEN.
    assert.deepEqual(r, { contribution: up.contribution, reason: 'off-topic', slashed: '0.15 OPEN' });
    const shown = await ok(['show', '--id', String(up.contribution)], chain.wsUrl);
    assert.deepEqual(shown.status, { rejected: 'off-topic' });
  });

  it('refuses unknown, misspelled and malformed flags with the usage line, before touching the chain', async () => {
    // No --url: nothing listens on the default port, so a command that got as far as
    // connecting would fail differently.
    for (const [args, pattern] of [
      [['create', '--name', 'x', '--bogus-flag', '1'], /Unknown option '--bogus-flag'/],
      [['create', '--name', 'x', '--license', 'CC-BY-4.0'], /Unknown option '--license'/],
      [['upload', '--datanet', 'zero', '--file', 'x'], /--datanet must be a non-negative integer, not 'zero'/],
      [['upload', '--datanet', '0'], /--file is required/],
      [['create', '--name', 'x', '--kind', 'video'], /--kind must be one of text, image, audio, tabular/],
      [['reject', '--datanet', '0', '--id', '1', '--reason', 'boring'], /--reason must be one of other, off-topic/],
      [['show', '--id', '1', 'extra'], /Unexpected argument 'extra'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['create', '--name', 'x', '--deposit', '1,5'], /--deposit: '1,5' is not an OPEN amount/],
    ]) {
      const r = await tool(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, pattern);
      assert.match(r.err, /usage: openledger-datanets <command>/);
      assert.equal(r.out, '', 'nothing on stdout');
    }
    // An unreachable node is an error of its own, not a hang.
    const down = await tool(['show', '--id', '0'], 'ws://127.0.0.1:9');
    assert.equal(down.code, 1);
    assert.match(down.err, /cannot connect to ws:\/\/127.0.0.1:9/);
  });
});
