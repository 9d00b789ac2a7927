//! Runtime API of the Tokenomics pallet: the economic parameters, for wallets, explorers and
//! the node.

#![cfg_attr(not(feature = "std"), no_std)]

use codec::Codec;
use pallet_tokenomics::Parameters;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read access to the tokenomics parameters.
	pub trait TokenomicsApi<Balance>
	where
		Balance: Codec,
	{
		/// Fee split, contribution slash, reward release, fixed supply and total issuance.
		fn parameters() -> Parameters<Balance>;
	}
}
