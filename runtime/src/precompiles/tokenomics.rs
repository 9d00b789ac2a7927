//! The tokenomics precompile at `0x0000000000000000000000000000000007050000`
//! (`AddressMatcher::Fixed(0x0705)`), read-only: the fee split, contribution slash, reward
//! release, fixed supply and total issuance.

use super::reads;
use crate::Runtime;
use alloc::vec::Vec;
use alloy_core::{sol, sol_types::SolValue};
use core::marker::PhantomData;
use polkadot_sdk::pallet_revive::precompiles::{AddressMatcher, Error, Ext, Precompile};

sol! {
	/// OpenLedger tokenomics parameters, for Solidity. Shares are in parts per billion
	/// (1_000_000_000 = 100 %); amounts in planck (10^-18 OPEN).
	interface ITokenomics {
		/// The fee split of training and inference payments; the four shares sum to 10^9.
		function feeSplit() external view returns (uint32 treasury, uint32 modelOwner, uint32 stakers, uint32 contributors);
		/// Share of a rejected contribution's deposit that is slashed.
		function contributionSlash() external view returns (uint32);
		/// Share of the community reward pool released per day.
		function rewardRelease() external view returns (uint32);
		/// The fixed supply and the total issuance now.
		function supply() external view returns (uint256 maxSupply, uint256 totalIssuance);
	}
}

/// The tokenomics precompile (read-only) at `0x0000000000000000000000000000000007050000`.
pub struct TokenomicsPrecompile<T>(PhantomData<T>);

impl Precompile for TokenomicsPrecompile<Runtime> {
	type T = Runtime;
	type Interface = ITokenomics::ITokenomicsCalls;
	const MATCHER: AddressMatcher = super::fixed(0x0705);
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		use alloy_core::primitives::U256;
		use ITokenomics::ITokenomicsCalls as C;
		// `Tokenomics::parameters` reads five items: `Tokenomics::FeeSplit`,
		// `Tokenomics::RewardRelease`, `Datanets::ContributionSlash`, `Balances::TotalIssuance`
		// and `Balances::InactiveIssuance`.
		env.charge(reads(5))?;
		let p = crate::Tokenomics::parameters();
		Ok(match input {
			C::feeSplit(_) => (
				p.fee_split.treasury.deconstruct(),
				p.fee_split.model_owner.deconstruct(),
				p.fee_split.stakers.deconstruct(),
				p.fee_split.contributors.deconstruct(),
			)
				.abi_encode_params(),
			C::contributionSlash(_) => p.contribution_slash.deconstruct().abi_encode(),
			C::rewardRelease(_) => p.reward_release.deconstruct().abi_encode(),
			C::supply(_) => {
				(U256::from(p.max_supply), U256::from(p.total_issuance)).abi_encode_params()
			}
		})
	}
}
