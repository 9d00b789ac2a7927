// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// OpenLedger paid inference precompile (runtime/src/precompiles/inference.rs).
interface IInference {
    function basePrice(uint64 model) external view returns (bool exists, uint256 per1kTokens);
    function adapterPrice(bytes32 adapter) external view returns (bool exists, uint256 per1kTokens);
    function credit(bytes32 who) external view returns (uint256);
    function deposit(uint256 amount) external;
    function authorizeVoucher(bytes32 agent, uint256 maxSpend, uint32 expiry, uint64 nonce) external returns (bytes memory);
}

/// A contract that holds inference credit and hands its users vouchers (API keys) for an agent:
/// it pays for their inference from its own balance.
contract InferenceClient {
    IInference constant INFERENCE = IInference(0x000000000000000000000000000000000f1E0000);

    event Voucher(address indexed to, bytes key);

    uint64 public nextNonce = 1;

    /// The contract's balance funds its credit.
    receive() external payable {}

    function price(uint64 model) external view returns (uint256) {
        (bool exists, uint256 per1k) = INFERENCE.basePrice(model);
        require(exists, "no such model");
        return per1k;
    }

    /// Holds `amount` planck of the contract's balance as inference credit.
    function fundCredit(uint256 amount) external {
        INFERENCE.deposit(amount);
    }

    /// A voucher of the contract's credit for the caller: at most `maxSpend` planck at `agent`
    /// until block `expiry`. The key bytes are in the `Voucher` event.
    function voucherFor(bytes32 agent, uint256 maxSpend, uint32 expiry) external returns (bytes memory key) {
        key = INFERENCE.authorizeVoucher(agent, maxSpend, expiry, nextNonce);
        nextNonce += 1;
        emit Voucher(msg.sender, key);
    }
}
