//! SCALE types of the agents registry.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::polkadot_sdk_frame::prelude::*;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

pub use openledger_primitives::{Capability, Fault, ModelId, Outcome};

/// The governance-set parameters of the registry (`economic_parameters` track).
#[derive(
	Clone,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	Serialize,
	Deserialize,
)]
pub struct Params<Balance, BlockNumber> {
	/// Smallest active bond an agent may register with or keep after unbonding.
	pub min_bond: Balance,
	/// Blocks between unbonding and withdrawing; the unbonding funds stay slashable.
	pub unbonding_period: BlockNumber,
	/// Share of the bond slashed for a missed deadline (a liveness fault).
	pub missed_slash: Perbill,
	/// Share of the bond slashed for failed verification (a safety fault).
	pub fraud_slash: Perbill,
	/// Faults (strikes) after which the agent is suspended until governance reinstates it.
	/// Zero: never suspended.
	pub strikes_before_suspension: u32,
}

/// What an agent declares it does.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Capabilities {
	/// Runs ModelFactory fine-tunes.
	pub train: bool,
	/// Serves paid inference.
	pub serve: bool,
}

impl Capabilities {
	/// Whether `capability` is declared.
	pub fn has(&self, capability: Capability) -> bool {
		match capability {
			Capability::Train => self.train,
			Capability::Serve => self.serve,
		}
	}

	/// The declared capabilities, in code order.
	pub fn list(&self) -> Vec<Capability> {
		Capability::ALL.into_iter().filter(|c| self.has(*c)).collect()
	}
}

/// Where an agent stands.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum AgentStatus {
	/// May be given work.
	Active,
	/// Reached the strike limit: given no work until governance reinstates it. Its bond stays
	/// held and slashable; it may still unbond and deregister.
	Suspended,
	/// Deregistered: its whole bond is unbonding; the record goes when the last chunk is
	/// withdrawn.
	Leaving,
}

/// What the chain counts of an agent's work.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Metrics<BlockNumber> {
	/// Jobs assigned to it.
	pub jobs_assigned: u32,
	/// Jobs it delivered in time.
	pub jobs_completed: u32,
	/// Jobs it did not acknowledge or deliver in time.
	pub jobs_missed: u32,
	/// Verifications of its work that passed.
	pub verifications_passed: u32,
	/// Verifications of its work that failed.
	pub verifications_failed: u32,
	/// Last block anything was recorded for it (registration counts).
	pub last_active: BlockNumber,
}

/// Bond being withdrawn: `amount` is released at block `unlock` (and slashable until then).
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct UnbondingChunk<Balance, BlockNumber> {
	/// Amount, in planck.
	pub amount: Balance,
	/// First block at which it may be withdrawn.
	pub unlock: BlockNumber,
}

/// A registered agent, keyed by its owner account (`Models`, `Endpoint` and `Chunks` are the
/// runtime's bounded lists).
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Agent<Key, Balance, BlockNumber, Models, Endpoint, Chunks> {
	/// The key the agent's node signs its work with (its offchain worker's key, `agnt`).
	pub key: Key,
	/// Train and/or serve.
	pub capabilities: Capabilities,
	/// The registered base models it holds, sorted, no repeats.
	pub models: Models,
	/// Its node's public HTTP endpoint (`http://` or `https://`, printable ASCII).
	pub endpoint: Endpoint,
	/// The active bond, held from the owner.
	pub bond: Balance,
	/// Bond being withdrawn, oldest first (still held and slashable).
	pub unbonding: Chunks,
	/// Active, suspended or leaving.
	pub status: AgentStatus,
	/// Faults since registration or the last reinstatement.
	pub strikes: u32,
	/// What it did.
	pub metrics: Metrics<BlockNumber>,
	/// Block of registration.
	pub registered_at: BlockNumber,
}

/// An agent as the runtime API returns it (plain lists).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct AgentView<AccountId, Key, Balance, BlockNumber> {
	/// Owner account (who bonds and is paid).
	pub owner: AccountId,
	/// Signing key.
	pub key: Key,
	/// Declared capabilities.
	pub capabilities: Vec<Capability>,
	/// Base models held.
	pub models: Vec<ModelId>,
	/// HTTP endpoint (ASCII).
	pub endpoint: Vec<u8>,
	/// Active bond.
	pub bond: Balance,
	/// Bond being withdrawn, as (amount, unlock block).
	pub unbonding: Vec<(Balance, BlockNumber)>,
	/// Status.
	pub status: AgentStatus,
	/// Strikes.
	pub strikes: u32,
	/// Metrics.
	pub metrics: Metrics<BlockNumber>,
	/// Registration block.
	pub registered_at: BlockNumber,
}
