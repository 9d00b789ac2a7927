// Helpers shared by the OpenLedger JS tools, benches and tests.
import { compactStripLength, compactToU8a, stringToU8a, u8aConcat } from '@polkadot/util';
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

/** How an API key that carries a voucher starts (`openledger_primitives::API_KEY_PREFIX`). */
export const API_KEY_PREFIX = 'olv1-';

/**
 * The SCALE bytes of a voucher (`openledger_primitives::Voucher`): user and agent (32-byte
 * accounts), max_spend (u128 LE), expiry (u32 LE), nonce (u64 LE).
 */
export function encodeVoucher({ user, agent, maxSpend, expiry, nonce }) {
  const le = (value, bytes) => {
    const out = new Uint8Array(bytes);
    let v = BigInt(value);
    for (let i = 0; i < bytes; i++) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    if (v !== 0n) throw new Error(`${value} does not fit in ${bytes} bytes`);
    return out;
  };
  return u8aConcat(decodeAddress(user), decodeAddress(agent), le(maxSpend, 16), le(expiry, 4), le(nonce, 8));
}

/**
 * The API key of a signed voucher: `olv1-`, then base64url (unpadded) of the voucher's SCALE
 * bytes followed by its signature (`VoucherSignature`: 0x00 ‖ 64-byte sr25519 signature, or
 * 0x01 ‖ 65-byte Ethereum `r ‖ s ‖ v`).
 */
export function voucherKey(voucher, signature) {
  if (signature.length !== 64 && signature.length !== 65) throw new Error(`a voucher signature has 64 or 65 bytes, not ${signature.length}`);
  const sig = signature.length === 64 ? u8aConcat([0], signature) : u8aConcat([1], signature);
  return API_KEY_PREFIX + Buffer.from(u8aConcat(encodeVoucher(voucher), sig)).toString('base64url');
}

/** The voucher and signature an API key carries (throws on anything else). */
export function decodeVoucherKey(key) {
  if (!key.startsWith(API_KEY_PREFIX)) throw new Error(`not a voucher key (it starts with ${API_KEY_PREFIX})`);
  const b = Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url');
  const u = (at, n) => b.subarray(at, at + n).reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
  // the voucher's 92 bytes, then the signature: 0x00 ‖ 64 bytes, 0x01 ‖ 65 bytes, or 0x02
  // (authorized on chain, no bytes)
  const kind = b[92];
  const expected = { 0: 157, 1: 158, 2: 93 }[kind];
  if (b.length !== expected) throw new Error(`not a voucher key: ${b.length} bytes with signature kind ${kind}`);
  return {
    user: hex(b.subarray(0, 32)),
    agent: hex(b.subarray(32, 64)),
    maxSpend: u(64, 16),
    expiry: Number(u(80, 4)),
    nonce: u(84, 8),
    signature: { kind: ['sr25519', 'ethereum', 'authorized'][kind], bytes: hex(b.subarray(93)) },
  };
}

/**
 * Signs `voucher` with an sr25519 key pair and returns its API key. The signed bytes come from
 * the chain (`InferenceApi_voucher_message`: the tag, the genesis hash and the voucher), so
 * the key is only good on the chain `api` is connected to.
 */
export async function mintVoucher(api, pair, voucher) {
  return voucherKey(voucher, pair.sign(await voucherMessage(api, voucher)));
}

/** The bytes a voucher's user signs, from the chain (`InferenceApi_voucher_message`). */
export async function voucherMessage(api, voucher) {
  // the RPC `state_call` answers the runtime API's SCALE output, a `Vec<u8>`: its bytes
  // without the length prefix
  const output = await api.rpc.state.call('InferenceApi_voucher_message', hex(encodeVoucher(voucher)));
  return compactStripLength(output.toU8a(true))[1];
}
