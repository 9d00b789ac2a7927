//! Runtime API of the Inference pallet: what a serving node's endpoint, wallets and the client
//! tool read to mint, check and meter vouchers.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use pallet_inference::{Credit, ModelPrice, ServedModel, Voucher, VoucherSignature, VoucherState};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read access to inference credit, vouchers and prices.
	pub trait InferenceApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// A user's inference credit (`None`: none held).
		fn credit(who: AccountId) -> Option<Credit<Balance, BlockNumber>>;
		/// What the chain keeps of a voucher once settled (`None`: never settled, or reaped).
		fn voucher(user: AccountId, nonce: u64) -> Option<VoucherState<AccountId, Balance, BlockNumber>>;
		/// A model's price per 1,000 tokens, its base model and owner (`None`: not registered
		/// and active).
		fn price(model: ServedModel) -> Option<ModelPrice<AccountId, Balance>>;
		/// The bytes a voucher's user signs (sr25519 as is, an Ethereum key with EIP-191
		/// `personal_sign`).
		fn voucher_message(voucher: Voucher<AccountId, Balance, BlockNumber>) -> Vec<u8>;
		/// Whether `signature` is the voucher's user's.
		fn check_voucher(voucher: Voucher<AccountId, Balance, BlockNumber>, signature: VoucherSignature) -> bool;
		/// The most records in one settlement and completion tokens in one record.
		fn limits() -> (u32, u32);
	}
}
