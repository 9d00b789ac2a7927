//! Paid inference (OpenLoRA): which model a request was served by, what the chain prices it at,
//! and the trait through which `pallet-inference` reads prices from `pallet-models`.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::ModelId;
use sp_arithmetic::traits::AtLeast32BitUnsigned;

/// The model a request was answered by: a registered base model, or a registered fine-tuned
/// model (an adapter, by its hash).
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum ServedModel {
	/// A base model by id.
	Base(ModelId),
	/// A fine-tuned model by its adapter hash.
	Adapter([u8; 32]),
}

/// A user's promise to pay one agent for inference, up to a maximum, until a block. It is
/// signed by the user's key ([`VoucherSignature`]); its encoding with the signature is the API
/// key an OpenAI client sends.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Voucher<AccountId, Balance, BlockNumber> {
	/// Who pays (from their credit).
	pub user: AccountId,
	/// The serving agent it pays (only it may settle the voucher).
	pub agent: AccountId,
	/// The most all the voucher's settlements together may take.
	pub max_spend: Balance,
	/// The last block it may be settled in.
	pub expiry: BlockNumber,
	/// The user's number for it: unique per user (a second voucher with the same nonce is
	/// refused once the first has been settled).
	pub nonce: u64,
}

/// A voucher's signature: by the user's sr25519 key (a Substrate account), by the Ethereum key
/// of an Ethereum-style account (its 20-byte address followed by twelve `0xEE` bytes), the way
/// wallets sign a message (EIP-191 `personal_sign`), or none because the user authorized the
/// voucher on chain (a contract, which has no key, through the inference precompile).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum VoucherSignature {
	/// Schnorrkel signature of `pallet_inference::Pallet::voucher_message`.
	Sr25519([u8; 64]),
	/// secp256k1 `r ‖ s ‖ v` over the EIP-191 hash of `pallet_inference::Pallet::voucher_message`.
	Ethereum([u8; 65]),
	/// Authorized on chain by the user (`pallet_inference::Pallet::authorize_voucher`).
	Authorized,
}

/// A voucher with its user's signature: the bytes an API key carries (after
/// [`API_KEY_PREFIX`], in unpadded URL-safe base64).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct SignedVoucher<AccountId, Balance, BlockNumber> {
	/// The voucher.
	pub voucher: Voucher<AccountId, Balance, BlockNumber>,
	/// The user's signature of it.
	pub signature: VoucherSignature,
}

/// How an API key that carries a voucher starts (`olv1-` then the [`SignedVoucher`]'s SCALE
/// bytes in unpadded URL-safe base64).
pub const API_KEY_PREFIX: &str = "olv1-";

/// What the chain says a model costs and who owns it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ModelPrice<AccountId, Balance> {
	/// The base model it runs on (the agent must declare it).
	pub base: ModelId,
	/// Price of 1,000 tokens, prompt and completion alike, in planck.
	pub per_1k_tokens: Balance,
	/// Who is paid the model owner's share (`None` for a base model: governance registers base
	/// models, so that share is the treasury's).
	pub owner: Option<AccountId>,
}

/// The registered models' prices, for the pallet that settles paid inference.
pub trait ModelPrices<AccountId, Balance> {
	/// The price of `model`, if it is registered and active.
	fn price(model: &ServedModel) -> Option<ModelPrice<AccountId, Balance>>;
}

/// No models: nothing has a price.
impl<AccountId, Balance> ModelPrices<AccountId, Balance> for () {
	fn price(_: &ServedModel) -> Option<ModelPrice<AccountId, Balance>> {
		None
	}
}

/// Tokens a price is quoted for.
pub const PRICE_UNIT_TOKENS: u32 = 1_000;

/// What `prompt + completion` tokens cost at `per_1k` planck per 1,000 tokens, rounded up to
/// the planck (a request is never free because it is short). `None` on overflow. The chain
/// settles at this cost and a serving node meters with it.
pub fn cost<B: AtLeast32BitUnsigned + Copy>(per_1k: B, prompt: u32, completion: u32) -> Option<B> {
	let tokens = B::from(prompt).checked_add(&B::from(completion))?;
	let unit = B::from(PRICE_UNIT_TOKENS);
	let scaled = per_1k.checked_mul(&tokens)?;
	let whole = scaled.checked_div(&unit)?;
	if whole.checked_mul(&unit)? == scaled {
		Some(whole)
	} else {
		whole.checked_add(&B::one())
	}
}
