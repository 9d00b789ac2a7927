//! Reads for the runtime API.

use crate::{pallet::*, *};
use alloc::vec::Vec;

impl<T: Config> Pallet<T> {
	fn view(owner: T::AccountId, a: AgentOf<T>) -> AgentViewOf<T> {
		AgentView {
			owner,
			key: a.key,
			capabilities: a.capabilities.list(),
			models: a.models.into_inner(),
			endpoint: a.endpoint.into_inner(),
			bond: a.bond,
			unbonding: a.unbonding.iter().map(|c| (c.amount, c.unlock)).collect(),
			status: a.status,
			strikes: a.strikes,
			metrics: a.metrics,
			registered_at: a.registered_at,
		}
	}

	/// One agent, by owner.
	pub fn agent(owner: T::AccountId) -> Option<AgentViewOf<T>> {
		Agents::<T>::get(&owner).map(|a| Self::view(owner, a))
	}

	/// The agent of a signing key.
	pub fn agent_by_key(key: T::AgentKey) -> Option<AgentViewOf<T>> {
		AgentByKey::<T>::get(key).and_then(Self::agent)
	}

	/// Every agent, sorted by owner (bounded by [`Config::MaxAgents`]).
	pub fn agents() -> Vec<AgentViewOf<T>> {
		let mut all: Vec<_> = Agents::<T>::iter().map(|(o, a)| Self::view(o, a)).collect();
		all.sort_by(|a, b| a.owner.cmp(&b.owner));
		all
	}

	/// The agents that may take `capability` work on `model` now, sorted by owner.
	pub fn eligible(capability: Capability, model: ModelId) -> Vec<T::AccountId> {
		<Self as AgentRegistry<_, _>>::providers(capability, model)
	}
}
