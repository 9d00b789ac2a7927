//! The agents precompile at `0x000000000000000000000000000000000A6E0000`
//! (`AddressMatcher::Fixed(0x0A6E)`), read-only: Solidity contracts read the AI agents, their
//! bond, their metrics, and whether one may take work.

use super::reads;
use crate::{AccountId, Runtime};
use alloc::{string::String, vec::Vec};
use alloy_core::{
	primitives::{FixedBytes, U256},
	sol,
	sol_types::{Revert, SolValue},
};
use core::marker::PhantomData;
use pallet_agents::{math::total_held, AgentRegistry, AgentStatus, Capability};
use polkadot_sdk::pallet_revive::precompiles::{AddressMatcher, Error, Ext, Precompile};

sol! {
	/// The OpenLedger AI agents registry, for Solidity. Accounts are 32-byte substrate accounts
	/// (an Ethereum address `a` maps to `a ++ 0xEE…EE`).
	interface IAgents {
		/// Number of registered agents (leaving ones included).
		function agentCount() external view returns (uint32);
		/// An agent by owner: whether it exists, its signing key, its capabilities, the base
		/// models it holds, its endpoint URL, its active bond and its unbonding funds in planck,
		/// status (0 active, 1 suspended, 2 leaving) and strikes.
		function agent(bytes32 owner) external view returns (bool exists, bytes32 key, bool train, bool serve, uint64[] models, string endpoint, uint256 bond, uint256 unbonding, uint8 status, uint32 strikes);
		/// An agent's metrics: jobs assigned, completed, missed; verifications passed, failed;
		/// the last block anything was recorded.
		function metrics(bytes32 owner) external view returns (bool exists, uint32 jobsAssigned, uint32 jobsCompleted, uint32 jobsMissed, uint32 verificationsPassed, uint32 verificationsFailed, uint32 lastActive);
		/// Whether the agent may take new work of `capability` (0 train, 1 serve) on base model
		/// `model` now. An unknown capability code reverts.
		function canWork(bytes32 owner, uint8 capability, uint64 model) external view returns (bool);
		/// The governance-set parameters: minimum bond (planck), unbonding period (blocks), the
		/// slash shares in parts per billion, strikes before suspension.
		function parameters() external view returns (uint256 minBond, uint32 unbondingPeriod, uint32 missedSlashPpb, uint32 fraudSlashPpb, uint32 strikesBeforeSuspension);
	}
}

/// The agents precompile (read-only).
pub struct AgentsPrecompile<T>(PhantomData<T>);

fn status_code(s: AgentStatus) -> u32 {
	match s {
		AgentStatus::Active => 0,
		AgentStatus::Suspended => 1,
		AgentStatus::Leaving => 2,
	}
}

impl Precompile for AgentsPrecompile<Runtime> {
	type T = Runtime;
	type Interface = IAgents::IAgentsCalls;
	const MATCHER: AddressMatcher = super::fixed(0x0A6E);
	const HAS_CONTRACT_INFO: bool = false;

	fn call(
		_address: &[u8; 20],
		input: &Self::Interface,
		env: &mut impl Ext<T = Self::T>,
	) -> Result<Vec<u8>, Error> {
		use IAgents::IAgentsCalls as C;
		Ok(match input {
			C::agentCount(_) => {
				env.charge(reads(1))?;
				pallet_agents::AgentCount::<Runtime>::get().abi_encode()
			}
			C::agent(c) => {
				env.charge(reads(1))?;
				match pallet_agents::Agents::<Runtime>::get(AccountId::new(c.owner.0)) {
					Some(a) => {
						let raw: &[u8] = a.key.as_ref();
						(
							true,
							FixedBytes::<32>::try_from(raw).unwrap_or_default(),
							a.capabilities.train,
							a.capabilities.serve,
							a.models.into_inner(),
							String::from_utf8_lossy(&a.endpoint).into_owned(),
							U256::from(a.bond),
							U256::from(total_held(0, &a.unbonding)),
							status_code(a.status),
							a.strikes,
						)
							.abi_encode_params()
					}
					None => (
						false,
						FixedBytes::<32>::ZERO,
						false,
						false,
						Vec::<u64>::new(),
						String::new(),
						U256::ZERO,
						U256::ZERO,
						0u32,
						0u32,
					)
						.abi_encode_params(),
				}
			}
			C::metrics(c) => {
				env.charge(reads(1))?;
				let m = pallet_agents::Agents::<Runtime>::get(AccountId::new(c.owner.0))
					.map(|a| a.metrics);
				let v = m.unwrap_or_default();
				(
					m.is_some(),
					v.jobs_assigned,
					v.jobs_completed,
					v.jobs_missed,
					v.verifications_passed,
					v.verifications_failed,
					v.last_active,
				)
					.abi_encode_params()
			}
			C::canWork(c) => {
				// the agent, the parameters, the base model
				env.charge(reads(3))?;
				let capability = Capability::try_from(c.capability).map_err(|()| {
					Error::Revert(Revert {
						reason: "unknown capability code: use 0 (train) or 1 (serve)".into(),
					})
				})?;
				let who = AccountId::new(c.owner.0);
				<crate::Agents as AgentRegistry<_, _>>::can_work(&who, capability, c.model)
					.abi_encode()
			}
			C::parameters(_) => {
				env.charge(reads(1))?;
				let p = pallet_agents::Parameters::<Runtime>::get();
				(
					U256::from(p.min_bond),
					p.unbonding_period,
					p.missed_slash.deconstruct(),
					p.fraud_slash.deconstruct(),
					p.strikes_before_suspension,
				)
					.abi_encode_params()
			}
		})
	}
}
