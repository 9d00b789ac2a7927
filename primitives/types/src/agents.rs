//! AI agents as the other pallets see them: what work an agent may be given, and how its
//! outcomes are recorded and its faults punished. `pallet-agents` implements [`AgentRegistry`];
//! the runtime hands it to the pallets that assign work (ModelFactory, OpenLoRA), so no pallet
//! imports another.

use crate::ModelId;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A kind of work an agent declares it does.
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
pub enum Capability {
	/// Runs ModelFactory fine-tunes.
	Train,
	/// Serves paid inference (OpenLoRA).
	Serve,
}

impl Capability {
	/// Every capability, in code order.
	pub const ALL: [Capability; 2] = [Capability::Train, Capability::Serve];

	/// The one-byte code the precompile uses (0 train, 1 serve).
	pub fn code(self) -> u8 {
		match self {
			Capability::Train => 0,
			Capability::Serve => 1,
		}
	}
}

impl TryFrom<u8> for Capability {
	type Error = ();
	fn try_from(code: u8) -> Result<Self, ()> {
		match code {
			0 => Ok(Capability::Train),
			1 => Ok(Capability::Serve),
			_ => Err(()),
		}
	}
}

/// Something an agent did that counts in its favour or is merely recorded.
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
pub enum Outcome {
	/// A job was assigned to it.
	Assigned,
	/// It delivered a job in time.
	Completed,
	/// Its work passed a verification.
	VerificationPassed,
}

/// Something an agent did wrong. Each fault counts in the agent's metrics, adds a strike and
/// slashes the governance-set share of its bond for that kind of fault.
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
pub enum Fault {
	/// It did not acknowledge or deliver an assigned job before its deadline (a liveness fault:
	/// the smaller "missed" share).
	MissedDeadline,
	/// Its work failed verification: a replayed training segment or a checked answer did not
	/// match (a safety fault: the larger "fraud" share).
	FailedVerification,
}

/// The agents registry, for the pallets that give agents work.
pub trait AgentRegistry<AccountId, Balance> {
	/// Whether `agent` may be given new `capability` work on base model `model` now: it is
	/// registered and active (not suspended, not leaving), declares both, and its bond is at
	/// least the minimum.
	fn can_work(agent: &AccountId, capability: Capability, model: ModelId) -> bool;
	/// The agents that [`can_work`](Self::can_work) on `model` with `capability`, sorted by
	/// account, at most the runtime's provider limit.
	fn providers(capability: Capability, model: ModelId) -> Vec<AccountId>;
	/// Records an outcome in the agent's metrics. Unknown agents are ignored.
	fn record(agent: &AccountId, outcome: Outcome);
	/// Records a fault: counts it, adds a strike (suspending the agent at the governance-set
	/// number), and slashes the fault's share of the agent's bond (active and unbonding) to the
	/// treasury. Returns what was slashed (zero for an unknown agent).
	fn fault(agent: &AccountId, fault: Fault) -> Balance;
}

/// No agents: nothing can work, nothing is recorded (for runtimes and mocks without agents).
impl<AccountId, Balance: Default> AgentRegistry<AccountId, Balance> for () {
	fn can_work(_: &AccountId, _: Capability, _: ModelId) -> bool {
		false
	}
	fn providers(_: Capability, _: ModelId) -> Vec<AccountId> {
		Vec::new()
	}
	fn record(_: &AccountId, _: Outcome) {}
	fn fault(_: &AccountId, _: Fault) -> Balance {
		Balance::default()
	}
}

/// The signing keys of agents, for the pallets that check work an agent's node signed.
pub trait AgentKeys<AccountId, Key> {
	/// The key `agent`'s node signs its work with, if `agent` is registered.
	fn key_of(agent: &AccountId) -> Option<Key>;
	/// The registered agent whose key is `key` (for a node finding the work of its own keys).
	fn owner_of(key: &Key) -> Option<AccountId>;
}

/// No agents, no keys.
impl<AccountId, Key> AgentKeys<AccountId, Key> for () {
	fn key_of(_: &AccountId) -> Option<Key> {
		None
	}
	fn owner_of(_: &Key) -> Option<AccountId> {
		None
	}
}
