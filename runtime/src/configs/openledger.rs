//! OpenLedger's own pallets: datanets and tokenomics.

use super::*;

parameter_types! {
	/// Creating a datanet holds 10 OPEN until it is archived.
	pub const DatanetDeposit: Balance = 10 * OPEN;
	/// The smallest per-contribution deposit an owner may ask for.
	pub const MinContributionDeposit: Balance = deposit(1, 256);
}

impl pallet_datanets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	/// Root or the economic-parameters track.
	type GovernanceOrigin = EconomicParametersOrigin;
	/// Slashed deposits go to the treasury.
	type SlashBeneficiary = TreasuryAccount;
	type DatanetDeposit = DatanetDeposit;
	type MinContributionDeposit = MinContributionDeposit;
	/// 1 MiB per chunk: three chunks fit in a block's normal share (3.75 MiB).
	type ChunkSize = ConstU32<{ 1024 * 1024 }>;
	/// Files up to 64 MiB.
	type MaxChunks = ConstU32<64>;
	type UploadLifetime = ConstU32<{ crate::time::HOURS }>;
	type BlocksPerDay = ConstU32<{ crate::time::DAYS }>;
	type MaxPending = ConstU32<1024>;
	type MaxAcceptBatch = ConstU32<64>;
	type MaxCurators = ConstU32<16>;
	type MaxNameLen = ConstU32<64>;
	type MaxSummaryLen = ConstU32<512>;
	type MaxTags = ConstU32<8>;
	type MaxTagLen = ConstU32<32>;
	type MaxSpdxLen = ConstU32<64>;
	type WeightInfo = pallet_datanets::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The fixed supply of OPEN.
	pub const MaxSupply: Balance = TOTAL_SUPPLY;
	/// The Datanets pallet's slash share, as the Tokenomics pallet reports it.
	pub ContributionSlash: Perbill = pallet_datanets::ContributionSlash::<Runtime>::get();
}

impl pallet_tokenomics::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	/// Root or the economic-parameters track.
	type ParamsOrigin = EconomicParametersOrigin;
	type ContributionSlash = ContributionSlash;
	type MaxSupply = MaxSupply;
	type WeightInfo = pallet_tokenomics::weights::SubstrateWeight<Runtime>;
}
