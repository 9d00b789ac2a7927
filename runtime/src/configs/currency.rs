//! The OPEN currency: balances, transaction fees (to the block author), vesting.

use super::*;

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust below the existential deposit is burned (it reduces the supply, never raises it).
	type DustRemoval = ();
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

/// Transaction fees and tips go to the author of the block that includes them.
///
/// Nothing is minted: the credit is the fee withdrawn from the payer. When no author can be
/// found (never on a live chain, possible in tests), the credit is dropped, which burns it.
pub struct FeesToAuthor;

impl OnUnbalanced<Credit<AccountId, Balances>> for FeesToAuthor {
	fn on_unbalanceds(mut fees_then_tips: impl Iterator<Item = Credit<AccountId, Balances>>) {
		if let Some(mut fees) = fees_then_tips.next() {
			if let Some(tips) = fees_then_tips.next() {
				tips.merge_into(&mut fees);
			}
			Self::on_unbalanced(fees);
		}
	}

	fn on_nonzero_unbalanced(amount: Credit<AccountId, Balances>) {
		if let Some(author) = pallet_authorship::Pallet::<Runtime>::author() {
			// If the author cannot receive it (below the existential deposit), it is burned.
			let _ = Balances::resolve(&author, amount);
		}
	}
}

parameter_types! {
	/// 0.00000001 OPEN per byte of a transaction.
	pub const TransactionByteFee: Balance = MILLICENTS / 1_000;
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

/// Fee per unit of `ref_time` (one picosecond of execution), in 10^-18 OPEN.
///
/// One second of execution costs 0.001 OPEN, which puts a plain transfer at a few millionths of
/// an OPEN. pallet-revive requires [`BlockRatioFee`] so that Ethereum gas maps onto weight and
/// storage deposit.
pub const WEIGHT_FEE_NUMERATOR: u128 = 1_000;

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, FeesToAuthor>;
	type WeightToFee = BlockRatioFee<WEIGHT_FEE_NUMERATOR, 1, Self, Balance>;
	type LengthToFee = ConstantMultiplier<Balance, TransactionByteFee>;
	/// A constant multiplier keeps the Ethereum gas price stable (revive derives it from the
	/// multiplier); congestion pricing can come later through governance.
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Vesting transfers below 1 OPEN are refused (each schedule is state on the receiver).
	pub const MinVestedTransfer: Balance = OPEN;
	/// Locked (unvested) funds may still pay transaction fees and tips, never be transferred or
	/// reserved.
	pub UnvestedFundsAllowedWithdrawReasons: polkadot_sdk::frame_support::traits::WithdrawReasons =
		polkadot_sdk::frame_support::traits::WithdrawReasons::except(
			polkadot_sdk::frame_support::traits::WithdrawReasons::TRANSFER |
				polkadot_sdk::frame_support::traits::WithdrawReasons::RESERVE,
		);
}

impl pallet_vesting::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type BlockNumberToBalance = polkadot_sdk::sp_runtime::traits::ConvertInto;
	type MinVestedTransfer = MinVestedTransfer;
	type WeightInfo = pallet_vesting::weights::SubstrateWeight<Runtime>;
	type UnvestedFundsAllowedWithdrawReasons = UnvestedFundsAllowedWithdrawReasons;
	type BlockNumberProvider = System;
	const MAX_VESTING_SCHEDULES: u32 = 28;
}
