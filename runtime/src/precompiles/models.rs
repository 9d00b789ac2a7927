//! The models precompile at `0x00000000000000000000000000000000040D0000`
//! (`AddressMatcher::Fixed(0x040D)`), read-only: Solidity contracts read the base models the
//! chain registers and the adapters derived from them.

use super::{account_bytes, reads};
use crate::Runtime;
use alloc::{string::String, vec::Vec};
use alloy_core::{primitives::FixedBytes, primitives::U256, sol, sol_types::SolValue};
use core::marker::PhantomData;
use pallet_models::{AdapterStatus, ModelStatus};
use polkadot_sdk::pallet_revive::precompiles::{AddressMatcher, Error, Ext, Precompile};

sol! {
	/// The OpenLedger model registry, for Solidity.
	interface IModels {
		/// The id the next base model gets (so ids `0 .. nextModelId` may exist).
		function nextModelId() external view returns (uint64);
		/// A base model: whether it exists, SHA-256 of its weights, name, context length, SPDX
		/// license, status (0 active, 1 retired).
		function baseModel(uint64 id) external view returns (bool exists, bytes32 weightsHash, string name, uint32 contextLength, string license, uint8 status);
		/// An adapter (a model derived from a base) by the hash of its bytes: whether it
		/// exists, its base, its owner (32-byte account), price per 1,000 tokens in planck,
		/// status (0 verifying, 1 active, 2 retired).
		function adapter(bytes32 hash) external view returns (bool exists, uint64 base, bytes32 owner, uint256 pricePer1kTokens, uint8 status);
	}
}

/// The models precompile (read-only).
pub struct ModelsPrecompile<T>(PhantomData<T>);

impl Precompile for ModelsPrecompile<Runtime> {
	type T = Runtime;
	type Interface = IModels::IModelsCalls;
	const MATCHER: AddressMatcher = super::fixed(0x040D);
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		use IModels::IModelsCalls as C;
		// each call reads one storage item
		env.charge(reads(1))?;
		Ok(match input {
			C::nextModelId(_) => pallet_models::NextModelId::<Runtime>::get().abi_encode(),
			C::baseModel(c) => match pallet_models::BaseModels::<Runtime>::get(c.id) {
				Some(m) => (
					true,
					FixedBytes::<32>(m.spec.weights_hash),
					String::from_utf8_lossy(&m.spec.name).into_owned(),
					m.spec.context_length,
					String::from_utf8_lossy(&m.spec.license).into_owned(),
					match m.status {
						ModelStatus::Active => 0u32,
						ModelStatus::Retired => 1,
					},
				)
					.abi_encode_params(),
				None => (false, FixedBytes::<32>::ZERO, String::new(), 0u32, String::new(), 0u32)
					.abi_encode_params(),
			},
			C::adapter(c) => match pallet_models::Adapters::<Runtime>::get(c.hash.0) {
				Some(a) => (
					true,
					a.base,
					FixedBytes::<32>(account_bytes(&a.owner)),
					U256::from(a.price_per_1k_tokens),
					match a.status {
						AdapterStatus::Verifying => 0u32,
						AdapterStatus::Active => 1,
						AdapterStatus::Retired => 2,
					},
				)
					.abi_encode_params(),
				None => (false, 0u64, FixedBytes::<32>::ZERO, U256::ZERO, 0u32).abi_encode_params(),
			},
		})
	}
}
