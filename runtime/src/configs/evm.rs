//! The EVM: pallet-revive with EVM bytecode, and the extension of Ethereum transactions.

use super::*;

/// The transaction extensions applied to Ethereum transactions (`eth_transact`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EthExtraImpl;

impl EthExtra for EthExtraImpl {
	type Config = Runtime;
	type ExtensionV0 = TxExtension;
	type ExtensionOtherVersions = polkadot_sdk::sp_runtime::traits::InvalidVersion;

	fn get_eth_extension(nonce: u32, tip: Balance) -> Self::ExtensionV0 {
		(
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckMortality::from(polkadot_sdk::sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(nonce),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
			pallet_revive::evm::tx_extension::SetOrigin::<Runtime>::new_from_eth_transaction(),
			frame_system::WeightReclaim::<Runtime>::new(),
		)
	}
}

parameter_types! {
	pub const DepositPerItem: Balance = deposit(1, 0);
	pub const DepositPerChildTrieItem: Balance = deposit(1, 0) / 100;
	pub const DepositPerByte: Balance = deposit(0, 1);
	pub CodeHashLockupDepositPercent: Perbill = Perbill::from_percent(30);
	pub MaxEthExtrinsicWeight: FixedU128 = FixedU128::from_rational(9, 10);
}

/// Scales revive's Ethereum gas price up (and gas amounts down) so that gas figures look like
/// Ethereum's: with 18 decimals and a fee multiplier of 1, the unscaled gas price would be 1 wei
/// and a transfer would "cost" billions of gas, beyond what wallets accept (MetaMask sends plain
/// transfers with a hard-coded 21,000 gas; polkadot-sdk issues 9460 and 10751). With this scale
/// the gas price is 1 gwei and a transfer needs well under 21,000 gas.
pub const GAS_SCALE: u32 = 1_000_000_000;

#[derive_impl(pallet_revive::config_preludes::TestDefaultConfig)]
impl pallet_revive::Config for Runtime {
	type Time = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeHoldReason = RuntimeHoldReason;
	type WeightInfo = pallet_revive::weights::SubstrateWeight<Self>;
	/// The datanets (0x…044E0000) and tokenomics (0x…07050000) precompiles (`crate::precompiles`).
	type Precompiles = (
		crate::precompiles::AgentsPrecompile<Runtime>,
		crate::precompiles::DatanetsPrecompile<Runtime>,
		crate::precompiles::InferencePrecompile<Runtime>,
		crate::precompiles::ModelsPrecompile<Runtime>,
		crate::precompiles::TokenomicsPrecompile<Runtime>,
	);
	type FindAuthor = <Runtime as pallet_authorship::Config>::FindAuthor;
	type DepositPerByte = DepositPerByte;
	type DepositPerItem = DepositPerItem;
	type DepositPerChildTrieItem = DepositPerChildTrieItem;
	type CodeHashLockupDepositPercent = CodeHashLockupDepositPercent;
	type AddressMapper = AccountId32Mapper<Self>;
	/// Solidity compiled to EVM bytecode deploys unchanged.
	type AllowEVMBytecode = ConstBool<true>;
	type UploadOrigin = EnsureSigned<Self::AccountId>;
	type InstantiateOrigin = EnsureSigned<Self::AccountId>;
	type ChainId = ConstU64<EVM_CHAIN_ID>;
	/// OPEN has 18 decimals, like ether: one planck is one wei.
	type NativeToEthRatio = ConstU32<1>;
	type FeeInfo = FeeInfo<Address, Signature, EthExtraImpl>;
	type MaxEthExtrinsicWeight = MaxEthExtrinsicWeight;
	type DebugEnabled = ConstBool<false>;
	type AutoMap = ConstBool<true>;
	type GasScale = ConstU32<GAS_SCALE>;
}
