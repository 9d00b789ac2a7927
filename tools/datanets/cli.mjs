#!/usr/bin/env node
// openledger-datanets: create datanets, upload files (chunked as needed), curate, download.
// Usage: scripts/datanets <command> [--url ws://127.0.0.1:9944] [--suri //Alice] ...
import fs from 'node:fs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';

const CHUNK = 1024 * 1024;
const DOMAIN = new TextEncoder().encode('openledger/datanets/v1');
const OPEN = 10n ** 18n;

const USAGE = `openledger-datanets <command> [options]

commands:
  create   --name N --kind text|image|audio|tabular [--summary S] [--spdx CC-BY-4.0]
           [--deposit OPEN] [--max-size BYTES] [--daily-bytes N] [--daily-count N] [--allow-list]
  upload   --datanet ID --file PATH [--kind text|image|audio|tabular]
  accept   --datanet ID --ids 1,2,3
  reject   --datanet ID --id N [--reason CODE]
  show     --id N                 a contribution's record
  download --hash 0x.. --out PATH read the bytes back from the node and check the hash

common: --url ws://127.0.0.1:9944  --suri //Alice (a dev key or a secret phrase / seed)`;

function parse(argv) {
  const [cmd, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const key = a.slice(2);
    if (key === 'allow-list') opts[key] = true;
    else {
      if (i + 1 >= rest.length) throw new Error(`--${key} needs a value`);
      opts[key] = rest[++i];
    }
  }
  return { cmd, opts };
}

function need(opts, key) {
  if (opts[key] === undefined) throw new Error(`--${key} is required`);
  return opts[key];
}

function hex(u8) {
  return '0x' + Buffer.from(u8).toString('hex');
}

/** The chain's content hash: blake2_256(domain ‖ size u64 LE ‖ blake2_256(chunk)…). */
export function contentHash(data) {
  const parts = [DOMAIN, new Uint8Array(new BigUint64Array([BigInt(data.length)]).buffer)];
  for (let o = 0; o < data.length; o += CHUNK) parts.push(blake2AsU8a(data.subarray(o, o + CHUNK), 256));
  return blake2AsU8a(Buffer.concat(parts), 256);
}

const KINDS = { text: 'Text', image: 'Image', audio: 'Audio', tabular: 'Tabular' };

/** Submits and waits for inclusion; throws with the pallet's error name and docs. */
function send(api, tx, signer, nonce) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce: nonce ?? -1 }, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        if (dispatchError.isModule) {
          const m = api.registry.findMetaError(dispatchError.asModule);
          reject(new Error(`${m.section}.${m.name}: ${m.docs.join(' ')}`));
        } else reject(new Error(dispatchError.toString()));
      } else if (status.isInBlock || status.isFinalized) resolve(events.map((e) => e.event));
    }).catch(reject);
  });
}

function event(events, method) {
  return events.find((e) => e.section === 'datanets' && e.method === method);
}

async function main() {
  const { cmd, opts } = parse(process.argv.slice(2));
  if (!cmd || cmd === 'help' || cmd === '--help') {
    console.log(USAGE);
    return;
  }
  if (!['create', 'upload', 'accept', 'reject', 'show', 'download'].includes(cmd)) {
    throw new Error(`unknown command '${cmd}'\n\n${USAGE}`);
  }
  await cryptoWaitReady();
  const provider = new WsProvider(opts.url || 'ws://127.0.0.1:9944');
  const api = await ApiPromise.create({ provider, noInitWarn: true });
  try {
    const signer = () => new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri(opts.suri || '//Alice');
    if (cmd === 'create') {
      const kind = KINDS[opts.kind || 'text'];
      if (!kind) throw new Error(`--kind must be one of ${Object.keys(KINDS).join(', ')}`);
      const deposit = BigInt(Math.round(Number(opts.deposit ?? '0.01') * 1e6)) * (OPEN / 1_000_000n);
      const events = await send(
        api,
        api.tx.datanets.createDatanet(
          { name: need(opts, 'name'), summary: opts.summary ?? '', tags: [] },
          kind,
          { spdx: opts.spdx ?? 'CC-BY-4.0', termsHash: hex(new Uint8Array(32)) },
          {
            policy: opts['allow-list'] ? 'AllowList' : 'Open',
            deposit,
            maxSize: Number(opts['max-size'] ?? 64 * CHUNK),
            dailyBytes: BigInt(opts['daily-bytes'] ?? 256 * CHUNK),
            dailyCount: Number(opts['daily-count'] ?? 100),
            pricePerUse: 0,
          },
        ),
        signer(),
      );
      const e = event(events, 'DatanetCreated');
      console.log(JSON.stringify({ datanet: e.data.datanet.toNumber(), owner: e.data.owner.toString() }));
    } else if (cmd === 'upload') {
      const datanet = Number(need(opts, 'datanet'));
      const data = fs.readFileSync(need(opts, 'file'));
      const kind = KINDS[opts.kind || 'text'];
      if (!kind) throw new Error(`--kind must be one of ${Object.keys(KINDS).join(', ')}`);
      const hash = contentHash(data);
      const who = signer();
      const started = Date.now();
      let events;
      if (data.length <= CHUNK) {
        events = await send(api, api.tx.datanets.contribute(datanet, kind, hex(data)), who);
      } else {
        const begun = await send(api, api.tx.datanets.beginUpload(datanet, kind, data.length, hex(hash)), who);
        const upload = event(begun, 'UploadStarted').data.upload.toBigInt();
        // All chunks go to the pool at once with consecutive nonces; blocks take them in order.
        let nonce = (await api.rpc.system.accountNextIndex(who.address)).toNumber();
        const pending = [];
        for (let i = 0, o = 0; o < data.length; i++, o += CHUNK) {
          pending.push(send(api, api.tx.datanets.uploadChunk(upload, i, hex(data.subarray(o, o + CHUNK))), who, nonce++));
        }
        await Promise.all(pending);
        events = await send(api, api.tx.datanets.finishUpload(upload), who, nonce);
      }
      const e = event(events, 'Contributed');
      const id = e.data.contribution.toBigInt();
      const rec = (await api.query.datanets.contributions(id)).unwrap();
      const secs = (Date.now() - started) / 1000;
      console.log(
        JSON.stringify({
          contribution: Number(id),
          hash: hex(hash),
          size: data.length,
          status: rec.status.type,
          seconds: secs,
          mbPerSec: data.length / 1e6 / secs,
        }),
      );
    } else if (cmd === 'accept') {
      const ids = need(opts, 'ids').split(',').map((x) => BigInt(x.trim()));
      const events = await send(api, api.tx.datanets.accept(Number(need(opts, 'datanet')), ids), signer());
      const e = event(events, 'Accepted');
      console.log(JSON.stringify({ version: e.data.version.toNumber(), commitment: e.data.commitment.toHex() }));
    } else if (cmd === 'reject') {
      const events = await send(
        api,
        api.tx.datanets.reject(Number(need(opts, 'datanet')), BigInt(need(opts, 'id')), Number(opts.reason ?? 0)),
        signer(),
      );
      const e = event(events, 'Rejected');
      console.log(JSON.stringify({ contribution: Number(e.data.contribution.toBigInt()), slashed: e.data.slashed.toString() }));
    } else if (cmd === 'show') {
      const rec = await api.query.datanets.contributions(BigInt(need(opts, 'id')));
      if (rec.isNone) throw new Error(`no contribution ${opts.id}`);
      console.log(JSON.stringify(rec.unwrap().toHuman()));
    } else if (cmd === 'download') {
      const hash = need(opts, 'hash');
      const call = (method, params) => provider.send(method, params);
      const { size, chunks } = await call('datanets_contentInfo', [hash]);
      const parts = [];
      for (let i = 0; i < chunks; i++) parts.push(Buffer.from((await call('datanets_contentChunk', [hash, i])).slice(2), 'hex'));
      const data = Buffer.concat(parts);
      if (data.length !== size || hex(contentHash(data)) !== hash) throw new Error('the downloaded bytes do not match the hash');
      fs.writeFileSync(need(opts, 'out'), data);
      console.log(JSON.stringify({ hash, size }));
    }
  } finally {
    await api.disconnect();
  }
}

main().catch((e) => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
