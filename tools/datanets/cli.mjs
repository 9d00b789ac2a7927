#!/usr/bin/env node
// openledger-datanets: create datanets, upload files (chunked as needed), curate, download.
// Usage: scripts/datanets <command> [options]; `scripts/datanets help` lists them.
// Results go to stdout as one JSON object; progress and errors go to stderr.
import fs from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { chunkSize, contentHash, findEvent, formatOpen, hex, parseOpen, send } from '@openledger/common';
import { connect, need, runCli, UsageError } from '@openledger/common/cli';

const USAGE = `usage: openledger-datanets <command> [options]

commands:
  create   --name N [--kind text|image|audio|tabular] [--summary S] [--spdx CC-BY-4.0]
           [--deposit OPEN] [--max-size BYTES] [--daily-bytes N] [--daily-count N] [--allow-list]
  upload   --datanet ID --file PATH [--kind text|image|audio|tabular]
  accept   --datanet ID --ids 1,2,3
  reject   --datanet ID --id N [--reason other|off-topic|low-quality|malformed|license-violation|harmful]
  show     --id N                 a contribution's record
  download --hash 0x.. --out PATH read the bytes back from the node and check the hash
  help                            this text

common: --url ws://127.0.0.1:9944  --suri //Alice (a dev key or a secret phrase / seed)`;

const KIND = { kind: { type: 'string', default: 'text' } };
const OPTIONS = {
  create: {
    ...KIND,
    name: { type: 'string' },
    summary: { type: 'string', default: '' },
    spdx: { type: 'string', default: 'CC-BY-4.0' },
    deposit: { type: 'string', default: '0.01' },
    'max-size': { type: 'string' },
    'daily-bytes': { type: 'string' },
    'daily-count': { type: 'string', default: '100' },
    'allow-list': { type: 'boolean', default: false },
  },
  upload: { ...KIND, datanet: { type: 'string' }, file: { type: 'string' } },
  accept: { datanet: { type: 'string' }, ids: { type: 'string' } },
  reject: { datanet: { type: 'string' }, id: { type: 'string' }, reason: { type: 'string', default: 'other' } },
  show: { id: { type: 'string' } },
  download: { hash: { type: 'string' }, out: { type: 'string' } },
};

const KINDS = { text: 'Text', image: 'Image', audio: 'Audio', tabular: 'Tabular' };
// `RejectReason` of the pallet, in code order (0–5).
const REASONS = ['other', 'off-topic', 'low-quality', 'malformed', 'license-violation', 'harmful'];
const pascal = (s) => s.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());

/** A non-negative integer option (ids, sizes, counts). */
function int(opts, key, fallback) {
  const v = opts[key] ?? fallback;
  if (v === undefined) throw new UsageError(`--${key} is required`);
  if (!/^\d+$/.test(String(v))) throw new UsageError(`--${key} must be a non-negative integer, not '${v}'`);
  return BigInt(v);
}

function kindOf(opts) {
  const kind = KINDS[opts.kind];
  if (!kind) throw new UsageError(`--kind must be one of ${Object.keys(KINDS).join(', ')}, not '${opts.kind}'`);
  return kind;
}

const progress = (line) => process.stderr.write(`${line}\n`);

/**
 * A contribution record with plain field names and amounts in OPEN. On a polkadot-js Struct the
 * names `hash` and `size` are the codec's own properties (the hash of its encoding, the Map's
 * entry count), so polkadot-js stores those fields as `hash_` and `size_` — what `toHuman()`
 * showed users before; `field` reads either spelling.
 */
function contributionView(id, rec) {
  const field = (k) => rec.get(k) ?? rec.get(`${k}_`);
  const status = rec.status.isPending
    ? 'pending'
    : rec.status.isAccepted
      ? { accepted: rec.status.asAccepted.toNumber() }
      : { rejected: REASONS[rec.status.asRejected.index] ?? rec.status.asRejected.type };
  return {
    id: Number(id),
    datanet: rec.datanet.toNumber(),
    contributor: rec.contributor.toString(),
    hash: field('hash').toHex(),
    size: field('size').toNumber(),
    kind: rec.kind.type.toLowerCase(),
    status,
    deposit: formatOpen(rec.deposit.toBigInt()),
    block: rec.block.toNumber(),
  };
}

/** Checks and converts every option before anything touches the network. */
function validate(cmd, opts) {
  const v = {};
  if (cmd === 'create') {
    v.name = need(opts, 'name');
    v.kind = kindOf(opts);
    try {
      v.deposit = parseOpen(opts.deposit);
    } catch (e) {
      throw new UsageError(`--deposit: ${e.message}`);
    }
    if (opts['max-size'] !== undefined) v.maxSize = int(opts, 'max-size');
    if (opts['daily-bytes'] !== undefined) v.dailyBytes = int(opts, 'daily-bytes');
    v.dailyCount = int(opts, 'daily-count');
  } else if (cmd === 'upload') {
    v.datanet = int(opts, 'datanet');
    v.kind = kindOf(opts);
    const file = need(opts, 'file');
    try {
      v.data = fs.readFileSync(file);
    } catch (e) {
      throw new UsageError(`cannot read --file ${file}: ${e.code ?? e.message}`);
    }
  } else if (cmd === 'accept') {
    v.datanet = int(opts, 'datanet');
    v.ids = need(opts, 'ids').split(',').map((x) => {
      if (!/^\d+$/.test(x.trim())) throw new UsageError(`--ids must be comma-separated contribution ids, not '${opts.ids}'`);
      return BigInt(x.trim());
    });
  } else if (cmd === 'reject') {
    v.datanet = int(opts, 'datanet');
    v.id = int(opts, 'id');
    v.reason = /^\d+$/.test(opts.reason) ? REASONS[Number(opts.reason)] : opts.reason;
    if (!REASONS.includes(v.reason)) throw new UsageError(`--reason must be one of ${REASONS.join(', ')} (or its code 0–5), not '${opts.reason}'`);
  } else if (cmd === 'show') {
    v.id = int(opts, 'id');
  } else if (cmd === 'download') {
    v.hash = need(opts, 'hash');
    if (!/^0x[0-9a-fA-F]{64}$/.test(v.hash)) throw new UsageError(`--hash must be 0x and 64 hex digits, not '${v.hash}'`);
    v.out = need(opts, 'out');
  }
  return v;
}

async function run(cmd, opts, v) {
  const { api, provider } = await connect(opts.url);
  const signer = () => new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(opts.suri);
  const tx = (call, who, nonce) => send(api, call, who, { rejectOnError: true, nonce });
  const CHUNK = chunkSize(api);
  try {
    if (cmd === 'create') {
      const maxFile = BigInt(CHUNK) * BigInt(api.consts.datanets.maxChunks.toNumber());
      const events = await tx(
        api.tx.datanets.createDatanet(
          { name: v.name, summary: opts.summary, tags: [] },
          v.kind,
          { spdx: opts.spdx, termsHash: hex(new Uint8Array(32)) },
          {
            policy: opts['allow-list'] ? 'AllowList' : 'Open',
            deposit: v.deposit,
            maxSize: v.maxSize ?? maxFile,
            dailyBytes: v.dailyBytes ?? 4n * maxFile,
            dailyCount: v.dailyCount,
            pricePerUse: 0,
          },
        ),
        signer(),
      );
      const e = findEvent(events, 'datanets', 'DatanetCreated');
      return { datanet: e.data.datanet.toNumber(), owner: e.data.owner.toString() };
    }
    if (cmd === 'upload') {
      const { datanet, kind, data } = v;
      const hash = contentHash(data, CHUNK);
      const who = signer();
      const started = Date.now();
      const rate = (bytes) => (bytes / 1e6 / Math.max((Date.now() - started) / 1000, 1e-3)).toFixed(2);
      let events;
      if (data.length <= CHUNK) {
        events = await tx(api.tx.datanets.contribute(datanet, kind, hex(data)), who);
      } else {
        const chunks = Math.ceil(data.length / CHUNK);
        const begun = await tx(api.tx.datanets.beginUpload(datanet, kind, data.length, hex(hash)), who);
        const upload = findEvent(begun, 'datanets', 'UploadStarted').data.upload.toBigInt();
        progress(`upload ${upload}: ${data.length} bytes in ${chunks} chunks`);
        // All chunks go to the pool at once with consecutive nonces; blocks take them in order.
        let nonce = (await api.rpc.system.accountNextIndex(who.address)).toNumber();
        let done = 0;
        const pending = [];
        for (let i = 0; i < chunks; i++) {
          const piece = data.subarray(i * CHUNK, (i + 1) * CHUNK);
          pending.push(
            tx(api.tx.datanets.uploadChunk(upload, i, hex(piece)), who, nonce++).then(() => {
              done += 1;
              progress(`chunk ${done} of ${chunks} in a block, ${rate(Math.min(done * CHUNK, data.length))} MB/s`);
            }),
          );
        }
        await Promise.all(pending);
        events = await tx(api.tx.datanets.finishUpload(upload), who, nonce);
      }
      const e = findEvent(events, 'datanets', 'Contributed');
      const id = e.data.contribution.toBigInt();
      const rec = (await api.query.datanets.contributions(id)).unwrap();
      const seconds = (Date.now() - started) / 1000;
      return { contribution: Number(id), hash: hex(hash), size: data.length, status: rec.status.type, seconds, mbPerSec: data.length / 1e6 / seconds };
    }
    if (cmd === 'accept') {
      const events = await tx(api.tx.datanets.accept(v.datanet, v.ids), signer());
      const e = findEvent(events, 'datanets', 'Accepted');
      return { version: e.data.version.toNumber(), commitment: e.data.commitment.toHex() };
    }
    if (cmd === 'reject') {
      const { reason } = v;
      const events = await tx(api.tx.datanets.reject(v.datanet, v.id, pascal(reason)), signer());
      const e = findEvent(events, 'datanets', 'Rejected');
      return { contribution: Number(e.data.contribution.toBigInt()), reason, slashed: formatOpen(e.data.slashed.toBigInt()) };
    }
    if (cmd === 'show') {
      const { id } = v;
      const rec = await api.query.datanets.contributions(id);
      if (rec.isNone) throw new Error(`no contribution ${id}`);
      return contributionView(id, rec.unwrap());
    }
    if (cmd === 'download') {
      const { hash, out } = v;
      const call = (method, params) => provider.send(method, params);
      const { size, chunks } = await call('datanets_contentInfo', [hash]);
      const parts = [];
      for (let i = 0; i < chunks; i++) {
        parts.push(Buffer.from((await call('datanets_contentChunk', [hash, i])).slice(2), 'hex'));
        if (chunks > 1) progress(`chunk ${i + 1} of ${chunks}`);
      }
      const data = Buffer.concat(parts);
      if (data.length !== size || hex(contentHash(data, CHUNK)) !== hash.toLowerCase()) throw new Error('the downloaded bytes do not match the hash');
      fs.writeFileSync(out, data);
      return { hash, size };
    }
    throw new UsageError(`unknown command '${cmd}'`);
  } finally {
    await api.disconnect();
  }
}

runCli(USAGE, OPTIONS, { validate, run });
