//! Registration, updates, key rotation, reinstatement, and the provider lists they maintain.

use crate::{pallet::*, *};
use codec::Encode;
use frame::deps::sp_runtime::RuntimeAppPublic;
use frame::prelude::*;
use frame::token::fungible::MutateHold;

impl<T: Config> Pallet<T> {
	/// Registers `who`'s agent and holds its bond. See [`Pallet::register`].
	pub(crate) fn do_register(
		who: T::AccountId,
		key: T::AgentKey,
		proof: SignatureOf<T>,
		capabilities: Capabilities,
		models: ModelsOf<T>,
		endpoint: EndpointOf<T>,
		bond: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Agents::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		Self::check_key(&who, &key, &proof)?;
		Self::check_profile(&capabilities, &models, &endpoint)?;
		ensure!(bond >= Parameters::<T>::get().min_bond, Error::<T>::BondTooLow);
		let count = AgentCount::<T>::get();
		ensure!(count < T::MaxAgents::get(), Error::<T>::TooManyAgents);
		Self::add_provider(&who, &capabilities, &models)?;
		T::Currency::hold(&HoldReason::AgentBond.into(), &who, bond)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let now = frame_system::Pallet::<T>::block_number();
		let agent = Agent {
			key: key.clone(),
			capabilities,
			models,
			endpoint,
			bond,
			unbonding: BoundedVec::new(),
			status: AgentStatus::Active,
			strikes: 0,
			metrics: Metrics { last_active: now, ..Default::default() },
			registered_at: now,
		};
		Agents::<T>::insert(&who, agent);
		AgentByKey::<T>::insert(&key, &who);
		AgentCount::<T>::put(count.saturating_add(1));
		Self::deposit_event(Event::Registered { agent: who, key, bond });
		Ok(())
	}

	/// Replaces an agent's capabilities, models and endpoint. See [`Pallet::update`].
	pub(crate) fn do_update(
		who: T::AccountId,
		capabilities: Capabilities,
		models: ModelsOf<T>,
		endpoint: EndpointOf<T>,
	) -> DispatchResult {
		let mut agent = Agents::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		ensure!(agent.status != AgentStatus::Leaving, Error::<T>::AgentLeaving);
		Self::check_profile(&capabilities, &models, &endpoint)?;
		Self::remove_provider(&who, &agent.capabilities, &agent.models);
		Self::add_provider(&who, &capabilities, &models)?;
		agent.capabilities = capabilities;
		agent.models = models;
		agent.endpoint = endpoint;
		Agents::<T>::insert(&who, agent);
		Self::deposit_event(Event::Updated { agent: who });
		Ok(())
	}

	/// Replaces an agent's key. See [`Pallet::rotate_key`].
	pub(crate) fn do_rotate_key(
		who: T::AccountId,
		key: T::AgentKey,
		proof: SignatureOf<T>,
	) -> DispatchResult {
		let mut agent = Agents::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
		Self::check_key(&who, &key, &proof)?;
		AgentByKey::<T>::remove(&agent.key);
		AgentByKey::<T>::insert(&key, &who);
		agent.key = key.clone();
		Agents::<T>::insert(&who, agent);
		Self::deposit_event(Event::KeyRotated { agent: who, key });
		Ok(())
	}

	/// Clears a suspended agent's strikes. See [`Pallet::reinstate`].
	pub(crate) fn do_reinstate(who: T::AccountId) -> DispatchResult {
		Agents::<T>::try_mutate(&who, |agent| {
			let agent = agent.as_mut().ok_or(Error::<T>::NotRegistered)?;
			ensure!(agent.status == AgentStatus::Suspended, Error::<T>::NotSuspended);
			agent.status = AgentStatus::Active;
			agent.strikes = 0;
			Ok::<_, DispatchError>(())
		})?;
		Self::deposit_event(Event::Reinstated { agent: who });
		Ok(())
	}

	/// The message an agent key signs for `owner`.
	pub fn key_proof_message(owner: &T::AccountId) -> alloc::vec::Vec<u8> {
		(KEY_PROOF_CONTEXT, owner).encode()
	}

	/// Checks that `key` is free and that `proof` is its signature for `owner`.
	fn check_key(
		owner: &T::AccountId,
		key: &T::AgentKey,
		proof: &SignatureOf<T>,
	) -> DispatchResult {
		ensure!(!AgentByKey::<T>::contains_key(key), Error::<T>::KeyInUse);
		ensure!(key.verify(&Self::key_proof_message(owner), proof), Error::<T>::BadKeyProof);
		Ok(())
	}

	/// Checks what an agent declares: a capability, a sorted list of distinct active base
	/// models, an http(s) endpoint.
	fn check_profile(
		capabilities: &Capabilities,
		models: &ModelsOf<T>,
		endpoint: &EndpointOf<T>,
	) -> DispatchResult {
		ensure!(capabilities.train || capabilities.serve, Error::<T>::NoCapabilities);
		let sorted = models.windows(2).all(|w| matches!(w, [a, b] if a < b));
		ensure!(!models.is_empty() && sorted, Error::<T>::BadModelList);
		ensure!(models.iter().all(T::BaseModels::contains), Error::<T>::UnknownModel);
		ensure!(Self::endpoint_is_valid(endpoint), Error::<T>::BadEndpoint);
		Ok(())
	}

	/// Whether `url` is `http://` or `https://` followed by a non-empty run of printable ASCII
	/// without spaces.
	pub fn endpoint_is_valid(url: &[u8]) -> bool {
		let rest = url.strip_prefix(b"https://").or_else(|| url.strip_prefix(b"http://"));
		rest.is_some_and(|r| !r.is_empty() && r.iter().all(|c| c.is_ascii_graphic()))
	}

	/// Checks parameters: a positive minimum bond and unbonding period.
	pub(crate) fn check_params(params: &ParamsOf<T>) -> DispatchResult {
		ensure!(
			!params.min_bond.is_zero() && !params.unbonding_period.is_zero(),
			Error::<T>::BadParameters
		);
		Ok(())
	}

	/// Adds `who` to the provider list of every (model, capability) it declares.
	pub(crate) fn add_provider(
		who: &T::AccountId,
		capabilities: &Capabilities,
		models: &ModelsOf<T>,
	) -> DispatchResult {
		for capability in capabilities.list() {
			for model in models.iter() {
				Providers::<T>::try_mutate(model, capability, |list| {
					if let Err(at) = list.binary_search(who) {
						list.try_insert(at, who.clone())
							.map_err(|_| Error::<T>::TooManyProviders)?;
					}
					Ok::<_, Error<T>>(())
				})?;
			}
		}
		Ok(())
	}

	/// Removes `who` from the provider lists it is on.
	pub(crate) fn remove_provider(
		who: &T::AccountId,
		capabilities: &Capabilities,
		models: &ModelsOf<T>,
	) {
		for capability in capabilities.list() {
			for model in models.iter() {
				Providers::<T>::mutate_exists(model, capability, |list| {
					if let Some(l) = list {
						if let Ok(at) = l.binary_search(who) {
							l.remove(at);
						}
						if l.is_empty() {
							*list = None;
						}
					}
				});
			}
		}
	}
}
