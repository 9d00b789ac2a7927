// Set-up and read-out of `scripts/bench paid` on a --dev chain.
//   node bench-paid-setup.mjs setup <ws url> <endpoint url>
//     Alice's serving agent (its node key inserted into the node), Ferdie's credit, and a
//     voucher for it; prints {"key": "olv1-…"}.
//   node bench-paid-setup.mjs settled <ws url> <nonce> <requests>
//     waits until the node has settled every request, then prints the settlements: records per
//     settlement, the blocks they took, and the weight and length of a full settlement against
//     the block's limits (the most records a block can settle).
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { agentKeyProof, hex, mintVoucher, OPEN, send } from '@openledger/common';

const [cmd, ws, ...rest] = process.argv.slice(2);
await cryptoWaitReady();
const provider = new WsProvider(ws);
const api = await ApiPromise.create({ provider, noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const alice = keyring.addFromUri('//Alice');
const ferdie = keyring.addFromUri('//Ferdie');
const tx = (call, who) => send(api, call, who, { rejectOnError: true });

if (cmd === 'setup') {
  const [endpoint] = rest;
  const server = keyring.addFromUri('//Alice//server');
  await provider.send('author_insertKey', ['agnt', '//Alice//server', u8aToHex(server.publicKey)]);
  await tx(api.tx.agents.register(hex(server.publicKey), agentKeyProof(server, alice.address), { train: false, serve: true }, [0], endpoint, 1000n * OPEN), alice);
  await tx(api.tx.inference.deposit(1000n * OPEN), ferdie);
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const nonce = BigInt(Date.now());
  const voucher = { user: ferdie.address, agent: alice.address, maxSpend: 1000n * OPEN, expiry: best + 1_000_000, nonce };
  console.log(JSON.stringify({ key: await mintVoucher(api, ferdie, voucher), nonce: nonce.toString() }));
} else if (cmd === 'settled') {
  const [nonce, requests] = rest;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const s = await api.call.inferenceApi.voucher(ferdie.address, BigInt(nonce));
    if (s.isSome && s.unwrap().lastRequest.unwrapOr(-1n).toString() === String(Number(requests) - 1)) break;
    if (Date.now() > deadline) throw new Error('the node did not settle every request in 10 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  // the settlements, found from the best block back
  const sizes = [];
  let hash = await api.rpc.chain.getBlockHash();
  let settled = 0;
  while (settled < Number(requests)) {
    const events = await (await api.at(hash)).query.system.events();
    for (const { event } of events) {
      if (api.events.inference.Settled.is(event) && event.data.nonce.toString() === nonce) {
        sizes.push(event.data.records.toNumber());
        settled += event.data.records.toNumber();
      }
    }
    hash = (await api.rpc.chain.getHeader(hash)).parentHash;
  }
  // a full settlement: MaxRecords records of MaxCompletionTokens tokens each
  const [maxRecords, maxTokens] = (await api.call.inferenceApi.limits()).map((x) => x.toNumber());
  const record = { request: 0, model: { Base: 0 }, promptTokens: 1000, completionTokens: maxTokens, promptHash: hex(new Uint8Array(32)), completion: new Array(maxTokens).fill(1) };
  const voucher = { user: ferdie.address, agent: alice.address, maxSpend: 1, expiry: 1, nonce: 1 };
  const full = api.tx.inference.settleUnsigned(voucher, { Sr25519: hex(new Uint8Array(64)) }, new Array(maxRecords).fill(record), hex(new Uint8Array(64)));
  const info = await api.call.transactionPaymentCallApi.queryCallInfo(full.method, full.method.encodedLength);
  const weights = api.consts.system.blockWeights;
  const normal = weights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  const lengths = api.consts.system.blockLength.max.normal.toNumber();
  const perBlockByWeight = Number(normal / info.weight.refTime.toBigInt());
  const perBlockByLength = Math.floor(lengths / full.method.encodedLength);
  console.log(JSON.stringify({
    settlements: sizes.length,
    records: sizes.reduce((a, b) => a + b, 0),
    max_records: maxRecords,
    full_settlement_ref_time_ms: Number(info.weight.refTime.toBigInt()) / 1e9,
    full_settlement_bytes: full.method.encodedLength,
    records_per_block: Math.min(perBlockByWeight, perBlockByLength) * maxRecords,
    limited_by: perBlockByWeight <= perBlockByLength ? 'weight' : 'length',
  }));
}
await api.disconnect();
