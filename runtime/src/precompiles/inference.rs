//! The inference precompile at `0x000000000000000000000000000000000F1E0000`
//! (`AddressMatcher::Fixed(0x0F1E)`): Solidity contracts read model prices and inference
//! credit, hold credit, and authorize vouchers for serving agents as the calling account — so a
//! contract (which has no key to sign a voucher with) can pay for inference on behalf of its
//! users. The returned voucher bytes, base64url-encoded after `olv1-`, are the API key an
//! OpenAI client sends. The Solidity interface is [`IInference`]; the end-to-end tests call it
//! from `tests/e2e/contracts/InferenceClient.sol`.

use super::{dispatch_as_caller, reads};
use crate::{AccountId, Runtime};
use alloc::vec::Vec;
use alloy_core::{
	primitives::U256,
	sol,
	sol_types::{Revert, SolValue},
};
use codec::Encode;
use core::marker::PhantomData;
use pallet_inference::{ModelPrices, ServedModel, SignedVoucher, Voucher, VoucherSignature};
use polkadot_sdk::pallet_revive::precompiles::{AddressMatcher, Error, Ext, Precompile};

sol! {
	/// OpenLedger paid inference, for Solidity.
	interface IInference {
		/// A base model's price per 1,000 tokens, in planck (exists: registered and active).
		function basePrice(uint64 model) external view returns (bool exists, uint256 per1kTokens);
		/// A fine-tuned model's price per 1,000 tokens, in planck, by its adapter hash.
		function adapterPrice(bytes32 adapter) external view returns (bool exists, uint256 per1kTokens);
		/// The inference credit `who` (a 32-byte account) holds, in planck.
		function credit(bytes32 who) external view returns (uint256);
		/// Holds `amount` planck of the caller's balance as inference credit.
		function deposit(uint256 amount) external;
		/// Authorizes, as the caller, a voucher for `agent` (a 32-byte account) of at most
		/// `maxSpend` planck until block `expiry`, numbered `nonce`; returns the voucher's API
		/// key bytes (SCALE), to be sent base64url-encoded after `olv1-`.
		function authorizeVoucher(bytes32 agent, uint256 maxSpend, uint32 expiry, uint64 nonce) external returns (bytes);
	}
}

/// The inference precompile.
pub struct InferencePrecompile<T>(PhantomData<T>);

fn revert(reason: &str) -> Error {
	Error::Revert(Revert { reason: reason.into() })
}

fn planck(amount: &U256) -> Result<u128, Error> {
	u128::try_from(*amount).map_err(|_| revert("amount above 2^128 planck"))
}

fn price(model: ServedModel) -> Vec<u8> {
	match <crate::Models as ModelPrices<AccountId, crate::Balance>>::price(&model) {
		Some(p) => (true, U256::from(p.per_1k_tokens)).abi_encode_params(),
		None => (false, U256::ZERO).abi_encode_params(),
	}
}

impl Precompile for InferencePrecompile<Runtime> {
	type T = Runtime;
	type Interface = IInference::IInferenceCalls;
	const MATCHER: AddressMatcher = super::fixed(0x0F1E);
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		use IInference::IInferenceCalls as C;
		match input {
			C::basePrice(c) => {
				// one read: `Models::BaseModels`
				env.charge(reads(1))?;
				Ok(price(ServedModel::Base(c.model)))
			}
			C::adapterPrice(c) => {
				// one read: `Models::Adapters`
				env.charge(reads(1))?;
				Ok(price(ServedModel::Adapter(c.adapter.0)))
			}
			C::credit(c) => {
				// one read: `Inference::Credits`
				env.charge(reads(1))?;
				let held = pallet_inference::Credits::<Runtime>::get(AccountId::new(c.who.0))
					.map_or(0, |credit| credit.held);
				Ok(U256::from(held).abi_encode())
			}
			C::deposit(c) => {
				let amount = planck(&c.amount)?;
				let call =
					crate::RuntimeCall::Inference(pallet_inference::Call::deposit { amount });
				dispatch_as_caller(env, call, "inference", "deposit")?;
				Ok(Vec::new())
			}
			C::authorizeVoucher(c) => {
				let user = super::caller(env, "authorizeVoucher")?;
				let voucher = Voucher {
					user: user.clone(),
					agent: AccountId::new(c.agent.0),
					max_spend: planck(&c.maxSpend)?,
					expiry: c.expiry,
					nonce: c.nonce,
				};
				let call =
					crate::RuntimeCall::Inference(pallet_inference::Call::authorize_voucher {
						voucher: voucher.clone(),
					});
				dispatch_as_caller(env, call, "inference", "authorizeVoucher")?;
				let key = SignedVoucher { voucher, signature: VoucherSignature::Authorized };
				Ok(key.encode().abi_encode())
			}
		}
	}
}
