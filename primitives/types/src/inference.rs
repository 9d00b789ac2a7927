//! Paid inference (OpenLoRA): which model a request was served by, what the chain prices it at,
//! and the trait through which `pallet-inference` reads prices from `pallet-models`.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::ModelId;

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
