// Helpers shared by the OpenLedger JS tools, benches and tests.
import { compactToU8a, stringToU8a, u8aConcat } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';

/** One OPEN in planck (18 decimals). */
export const OPEN = 10n ** 18n;

/** Domain tag of the content hash (`openledger_primitives::CONTENT_HASH_DOMAIN`). */
export const CONTENT_HASH_DOMAIN = new TextEncoder().encode('openledger/datanets/v1');

/** `0x`-prefixed lowercase hex of bytes. */
export function hex(u8) {
  return '0x' + Buffer.from(u8).toString('hex');
}

/**
 * The chain's content hash of `data` cut into chunks of `chunkSize` bytes (the runtime's
 * `datanets.chunkSize` constant): blake2_256(domain ‖ size u64 LE ‖ blake2_256(chunk)…), as
 * `openledger_primitives::content_hash` computes it.
 */
export function contentHash(data, chunkSize) {
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error(`bad chunk size ${chunkSize}`);
  const size = new Uint8Array(new BigUint64Array([BigInt(data.length)]).buffer);
  const parts = [CONTENT_HASH_DOMAIN, size];
  for (let o = 0; o < data.length; o += chunkSize) parts.push(blake2AsU8a(data.subarray(o, o + chunkSize), 256));
  return blake2AsU8a(Buffer.concat(parts), 256);
}

/** The datanets chunk size of the connected chain, from its runtime constants. */
export function chunkSize(api) {
  return api.consts.datanets.chunkSize.toNumber();
}

/** Parses a decimal OPEN amount ("0.01", "12") into planck, exactly (no floating point). */
export function parseOpen(text) {
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(String(text).trim());
  if (!m) throw new Error(`'${text}' is not an OPEN amount (e.g. 0.01 or 12)`);
  return BigInt(m[1]) * OPEN + BigInt((m[2] ?? '').padEnd(18, '0'));
}

/** Formats planck as a decimal OPEN amount without trailing zeros ("0.01 OPEN"). */
export function formatOpen(planck) {
  const p = BigInt(planck);
  const whole = p / OPEN;
  const frac = (p % OPEN).toString().padStart(18, '0').replace(/0+$/, '');
  return `${whole}${frac ? '.' + frac : ''} OPEN`;
}

/**
 * Sends `tx` signed by `signer`; resolves with its event records once in a block (dev chains may
 * report Finalized without InBlock). A failed dispatch rejects with
 * `section.method: pallet.Error — docs` when `rejectOnError` is set; `nonce`
 * defaults to the next one the node knows.
 */
export function send(api, tx, signer, { rejectOnError = false, nonce = -1 } = {}) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce }, ({ status, events, dispatchError }) => {
      if (dispatchError && rejectOnError) {
        const e = dispatchError.isModule ? api.registry.findMetaError(dispatchError.asModule) : null;
        const name = e ? `${e.section}.${e.name}` : dispatchError.toString();
        const docs = e && e.docs.length ? ` — ${e.docs.join(' ')}` : '';
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${name}${docs}`));
      } else if (status.isInBlock || status.isFinalized) resolve(events);
    }).catch(reject);
  });
}

/** The first event `section.method` among the records `send` resolved with. */
export function findEvent(records, section, method) {
  const r = records.find(({ event }) => event.section === section && event.method === method);
  return r ? r.event : undefined;
}

/**
 * An agent key's proof that it belongs to `owner` (an SS58 address), for `agents.register` and
 * `agents.rotateKey`: the key pair's signature of the SCALE encoding of
 * `("openledger/agent-key", owner)` — a compact-length-prefixed byte string, then the 32-byte
 * account (`pallet_agents::KEY_PROOF_CONTEXT`).
 */
export function agentKeyProof(agentPair, owner) {
  const context = stringToU8a('openledger/agent-key');
  return hex(agentPair.sign(u8aConcat(compactToU8a(context.length), context, decodeAddress(owner))));
}
