// Ethereum JSON-RPC end to end: ethers + solc against openledger-node --dev and openledger-eth-rpc.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { compile } from '../compile.mjs';
import { CHAIN_ID, ETH_DEV_KEYS, startDevChain } from '../lib/chain.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OPEN = 10n ** 18n;
// eth_getBalance reports the spendable balance: free balance minus the existential deposit.
const ED = 10n ** 12n;

describe('Ethereum JSON-RPC', () => {
  let chain, provider, alith, baltathar, token, tokenAbi, tokenBytecode;

  before(async () => {
    chain = await startDevChain();
    provider = new ethers.JsonRpcProvider(chain.ethUrl, undefined, { staticNetwork: true, polling: true, pollingInterval: 250 });
    alith = new ethers.Wallet(ETH_DEV_KEYS.alith, provider);
    baltathar = new ethers.Wallet(ETH_DEV_KEYS.baltathar, provider);
    const c = compile(path.join(here, '../contracts/OpenToken.sol')).OpenToken;
    tokenAbi = c.abi;
    tokenBytecode = c.bytecode;
  });

  after(async () => {
    provider?.destroy();
    await chain?.stop();
  });

  it('reports the OpenLedger chain id and funded dev accounts', async () => {
    const net = await provider.getNetwork();
    assert.equal(net.chainId, CHAIN_ID);
    assert.equal(await provider.getBalance(alith.address), 1_000_000n * OPEN - ED);
    assert.equal(await provider.getBalance(baltathar.address), 1_000_000n * OPEN - ED);
  });

  it('deploys an ERC-20 with default gas settings and transfers it', async () => {
    const factory = new ethers.ContractFactory(tokenAbi, tokenBytecode, alith);
    token = await factory.deploy('Open Test', 'OTT', 1_000_000n * OPEN);
    await token.waitForDeployment();
    assert.equal(await token.symbol(), 'OTT');
    assert.equal(await token.balanceOf(alith.address), 1_000_000n * OPEN);

    const tx = await token.transfer(baltathar.address, 1234n * OPEN);
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    assert.equal(await token.balanceOf(baltathar.address), 1234n * OPEN);
    assert.equal(await token.balanceOf(alith.address), (1_000_000n - 1234n) * OPEN);

    // The Transfer event is in the receipt and in eth_getLogs.
    const parsed = receipt.logs.map((l) => token.interface.parseLog(l)).filter(Boolean);
    assert.equal(parsed[0].name, 'Transfer');
    assert.equal(parsed[0].args.value, 1234n * OPEN);
    const logs = await provider.getLogs({
      address: await token.getAddress(),
      topics: [token.interface.getEvent('Transfer').topicHash],
      fromBlock: 0,
      toBlock: 'latest',
    });
    assert.equal(logs.length, 2, 'mint and transfer');
    const last = token.interface.parseLog(logs[1]);
    assert.equal(last.args.from, alith.address);
    assert.equal(last.args.to, baltathar.address);
    assert.equal(last.args.value, 1234n * OPEN);
  });

  it('returns the revert reason of a failing call', async () => {
    const asBaltathar = token.connect(baltathar);
    await assert.rejects(
      asBaltathar.transfer.staticCall(alith.address, 10n ** 30n),
      (err) => {
        assert.match(err.message + (err.reason ?? ''), /OpenToken: insufficient balance/);
        return true;
      },
    );
    await assert.rejects(asBaltathar.transfer.estimateGas(alith.address, 10n ** 30n), /OpenToken: insufficient balance/);
  });

  it('sends plain value transfers like MetaMask does (21,000 gas) and with estimated gas', async () => {
    const fresh = ethers.Wallet.createRandom().address;
    const before = await provider.getBalance(alith.address);

    // MetaMask sends EOA transfers with a hard-coded 21,000 gas limit.
    const tx1 = await alith.sendTransaction({ to: fresh, value: 5n * OPEN, gasLimit: 21_000n });
    const r1 = await tx1.wait();
    assert.equal(r1.status, 1);
    // Default ethers behaviour: eth_estimateGas and EIP-1559 fees.
    const tx2 = await alith.sendTransaction({ to: fresh, value: 2n * OPEN });
    const r2 = await tx2.wait();
    assert.equal(r2.status, 1);
    assert.ok(r2.gasUsed <= 21_000n, `a transfer uses ${r2.gasUsed} gas, at most 21,000`);

    // Creating the account costs the sender its existential deposit, included in the gas of the
    // first transfer; the recipient's spendable balance is exactly what was sent.
    assert.equal(await provider.getBalance(fresh), 7n * OPEN);
    const fees = r1.gasUsed * r1.gasPrice + r2.gasUsed * r2.gasPrice;
    assert.ok(fees > 0n);
    assert.equal(await provider.getBalance(alith.address), before - 7n * OPEN - fees);
  });

  it('rejects a malformed raw transaction with a JSON-RPC error and keeps serving', async () => {
    const res = await chain.ethRpc('eth_sendRawTransaction', ['0xdeadbeef']);
    assert.ok(res.error, 'error expected');
    assert.equal(typeof res.error.message, 'string');
    assert.ok(res.error.message.length > 0);
    const bn = await chain.ethRpc('eth_blockNumber', []);
    assert.ok(BigInt(bn.result) > 0n);
  });

  it('rejects a transaction from an unfunded account with a JSON-RPC error', async () => {
    const poor = ethers.Wallet.createRandom();
    const signed = await poor.signTransaction({
      to: alith.address,
      value: OPEN,
      gasLimit: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 0n,
      nonce: 0,
      chainId: CHAIN_ID,
      type: 2,
    });
    const res = await chain.ethRpc('eth_sendRawTransaction', [signed]);
    assert.ok(res.error, `error expected, got ${JSON.stringify(res)}`);
    assert.ok(res.error.message.length > 0);
    const bn = await chain.ethRpc('eth_blockNumber', []);
    assert.ok(BigInt(bn.result) > 0n, 'still serving');
  });
});
