#!/usr/bin/env node
// openledger-inference: inference credit and the vouchers an OpenAI client sends as its API key.
// Usage: scripts/inference <command> [options]; `scripts/inference help` lists them.
// Results go to stdout as one JSON object; errors go to stderr.
import { Keyring } from '@polkadot/keyring';
import { u8aConcat } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { Wallet, getBytes } from 'ethers';
import {
  decodeVoucherKey, findEvent, formatOpen, mintVoucher, send, voucherKey, voucherMessage,
} from '@openledger/common';
import { connect, need, needOpen, runCli, UsageError } from '@openledger/common/cli';

const USAGE = `usage: openledger-inference <command> [options]

commands:
  deposit           --amount OPEN    hold OPEN as inference credit
  request-withdraw  --amount OPEN    ask for credit back (it stays spendable for the delay)
  withdraw                           release a withdrawal whose delay has passed
  credit            [--who ADDRESS]  credit held and any withdrawal pending (default: --suri's)
  voucher           --agent ADDRESS --max OPEN [--blocks N] [--nonce N] [--eth-key 0x…]
                    mint a voucher for a serving agent: its API key (olv1-…) goes into any
                    OpenAI client as apiKey; valid for N blocks (default 14400), spending at
                    most --max OPEN in all; signed by --suri's sr25519 key, or by an Ethereum
                    key (--eth-key: the account is the key's address followed by twelve 0xEE)
  decode            --key olv1-…     what a voucher key says
  spent             --key olv1-…     what the chain has settled on a voucher so far
  price             --model ID|0xHASH  a model's price per 1,000 tokens
  help                               this text

common: --url ws://127.0.0.1:9944  --suri //Alice (a dev key or a secret phrase / seed)`;

const OPTIONS = {
  deposit: { amount: { type: 'string' } },
  'request-withdraw': { amount: { type: 'string' } },
  withdraw: {},
  credit: { who: { type: 'string' } },
  voucher: { agent: { type: 'string' }, max: { type: 'string' }, blocks: { type: 'string' }, nonce: { type: 'string' }, 'eth-key': { type: 'string' } },
  decode: { key: { type: 'string' } },
  spent: { key: { type: 'string' } },
  price: { model: { type: 'string' } },
};

function address(opts, key) {
  const a = need(opts, key);
  try {
    decodeAddress(a);
  } catch {
    throw new UsageError(`--${key} is not an SS58 address or 32-byte hex account: '${a}'`);
  }
  return a;
}

function integer(opts, key, fallback, max) {
  const text = opts[key] ?? fallback;
  if (!/^\d+$/.test(String(text)) || BigInt(text) > max) throw new UsageError(`--${key} must be a whole number up to ${max}, not '${text}'`);
  return BigInt(text);
}

function key(opts) {
  try {
    return decodeVoucherKey(need(opts, 'key'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--key: ${e.message}`);
  }
}

/** The account of an Ethereum key: its address followed by twelve 0xEE bytes. */
function ethAccount(wallet) {
  return encodeAddress(u8aConcat(getBytes(wallet.address), new Uint8Array(12).fill(0xee)), 42);
}

/** Checks and converts every option before anything touches the network. */
function validate(cmd, opts) {
  const v = {};
  if (cmd === 'deposit' || cmd === 'request-withdraw') v.amount = needOpen(opts, 'amount');
  if (cmd === 'credit' && opts.who !== undefined) v.who = address(opts, 'who');
  if (cmd === 'voucher') {
    v.agent = address(opts, 'agent');
    v.max = needOpen(opts, 'max');
    v.blocks = Number(integer(opts, 'blocks', 14400, 2n ** 31n));
    if (v.blocks < 1) throw new UsageError('--blocks must be at least 1');
    v.nonce = opts.nonce === undefined ? BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000)) : integer(opts, 'nonce', 0, 2n ** 64n - 1n);
    if (opts['eth-key'] !== undefined) {
      try {
        v.eth = new Wallet(opts['eth-key']);
      } catch {
        throw new UsageError('--eth-key must be a 32-byte hex private key');
      }
    }
  }
  if (cmd === 'decode' || cmd === 'spent') v.key = key(opts);
  if (cmd === 'price') {
    const m = need(opts, 'model');
    if (/^\d+$/.test(m)) v.model = { Base: Number(m) };
    else if (/^0x[0-9a-fA-F]{64}$/.test(m)) v.model = { Adapter: m.toLowerCase() };
    else throw new UsageError(`--model must be a base model id or a 0x-prefixed 32-byte adapter hash, not '${m}'`);
  }
  return v;
}

function creditView(c) {
  if (c.isNone) return { held: formatOpen(0n), unlocking: null };
  const { held, unlocking } = c.unwrap();
  return {
    held: formatOpen(held.toBigInt()),
    unlocking: unlocking.isSome ? { amount: formatOpen(unlocking.unwrap()[0].toBigInt()), at: unlocking.unwrap()[1].toNumber() } : null,
  };
}

async function run(cmd, opts, v) {
  if (cmd === 'decode') {
    const d = v.key;
    return { user: encodeAddress(d.user, 42), agent: encodeAddress(d.agent, 42), maxSpend: formatOpen(d.maxSpend), expiry: d.expiry, nonce: d.nonce.toString(), signature: d.signature.kind };
  }
  const { api } = await connect(opts.url);
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const signer = () => keyring.addFromUri(opts.suri);
  const tx = (call) => send(api, call, signer(), { rejectOnError: true });
  try {
    if (cmd === 'deposit') {
      const e = findEvent(await tx(api.tx.inference.deposit(v.amount)), 'inference', 'CreditDeposited');
      return { who: e.data.who.toString(), deposited: formatOpen(e.data.amount.toBigInt()), held: formatOpen(e.data.held.toBigInt()) };
    }
    if (cmd === 'request-withdraw') {
      const e = findEvent(await tx(api.tx.inference.requestWithdraw(v.amount)), 'inference', 'WithdrawRequested');
      return { who: e.data.who.toString(), amount: formatOpen(e.data.amount.toBigInt()), at: e.data.at.toNumber() };
    }
    if (cmd === 'withdraw') {
      const e = findEvent(await tx(api.tx.inference.withdraw()), 'inference', 'CreditWithdrawn');
      return { who: e.data.who.toString(), withdrawn: formatOpen(e.data.amount.toBigInt()), held: formatOpen(e.data.held.toBigInt()) };
    }
    if (cmd === 'credit') {
      const who = v.who ?? signer().address;
      return { who, ...creditView(await api.call.inferenceApi.credit(who)) };
    }
    if (cmd === 'voucher') {
      const best = (await api.rpc.chain.getHeader()).number.toNumber();
      const user = v.eth ? ethAccount(v.eth) : signer().address;
      const voucher = { user, agent: v.agent, maxSpend: v.max, expiry: best + v.blocks, nonce: v.nonce };
      let apiKey;
      if (v.eth) {
        apiKey = voucherKey(voucher, getBytes(await v.eth.signMessage(await voucherMessage(api, voucher))));
      } else {
        apiKey = await mintVoucher(api, signer(), voucher);
      }
      return { key: apiKey, user, agent: v.agent, maxSpend: formatOpen(v.max), expiry: voucher.expiry, nonce: v.nonce.toString() };
    }
    if (cmd === 'spent') {
      const state = await api.call.inferenceApi.voucher(v.key.user, v.key.nonce);
      if (state.isNone) return { settled: false, spent: formatOpen(0n), maxSpend: formatOpen(v.key.maxSpend) };
      const s = state.unwrap();
      return { settled: true, spent: formatOpen(s.spent.toBigInt()), maxSpend: formatOpen(s.maxSpend.toBigInt()), lastRequest: s.lastRequest.isSome ? s.lastRequest.unwrap().toString() : null, expiry: s.expiry.toNumber() };
    }
    if (cmd === 'price') {
      const p = await api.call.inferenceApi.price(v.model);
      if (p.isNone) throw new Error('the model is not registered and active');
      const { base, per1kTokens, owner } = p.unwrap();
      const price = per1kTokens.toBigInt();
      return { model: opts.model, base: base.toNumber(), per1kTokens: formatOpen(price), planckPer1kTokens: price.toString(), owner: owner.isSome ? owner.unwrap().toString() : null };
    }
    throw new UsageError(`unknown command '${cmd}'`);
  } finally {
    await api.disconnect();
  }
}

runCli(USAGE, OPTIONS, { validate, run });
