//! # Agents
//!
//! AI agents are bonded operators that do AI work for the network: they run ModelFactory
//! fine-tunes (`train`) and serve paid inference (`serve`). This pallet keeps who they are,
//! what they hold at stake, and what they did; the pallets that assign work reach it through
//! [`openledger_primitives::AgentRegistry`], so no pallet imports another.
//!
//! ## Overview
//!
//! - **Registration** ([`Pallet::register`]): an owner account names an agent signing key (proved
//!   by a signature of the owner by that key, so nobody registers someone else's key), the
//!   capabilities it declares, the registered base models it holds, its node's HTTP endpoint,
//!   and a bond of at least [`Params::min_bond`], held from the owner under
//!   [`HoldReason::AgentBond`]. Everything is bounded by the runtime's limits.
//! - **Bond**: [`Pallet::bond_extra`] adds to it; [`Pallet::unbond`] moves part of it into an
//!   unbonding chunk that [`Pallet::withdraw_unbonded`] releases after
//!   [`Params::unbonding_period`] blocks. Unbonding funds stay held and slashable, so a fault
//!   found late still costs the agent. [`Pallet::deregister`] unbonds everything (not while the
//!   agent has open work); the record goes when the last chunk is withdrawn.
//! - **Metrics** on chain for every agent: jobs assigned, completed and missed, verifications
//!   passed and failed, the last active block. The work pallets report through
//!   [`AgentRegistry::record`] and [`AgentRegistry::fault`].
//! - **Faults**: each fault adds a strike and slashes its share of everything held (active and
//!   unbonding) to [`Config::SlashBeneficiary`] (the treasury), with the typed reason in
//!   [`Event::Slashed`]. At [`Params::strikes_before_suspension`] strikes the agent is
//!   suspended: it gets no work until governance [`reinstate`](Pallet::reinstate)s it.
//! - **Parameters** ([`Params`]) are set by [`Config::ParamsOrigin`] (Root or the
//!   `economic_parameters` track).
//!
//! ## Code layout
//!
//! This file declares the pallet and keeps calls thin; `registry.rs` (registration, updates,
//! keys), `bonding.rs` (bond, unbond, withdraw), `faults.rs` (the [`AgentRegistry`]
//! implementation) hold the `do_*` logic, `math.rs` the slashing arithmetic, `views.rs` the
//! runtime API reads and `try_state.rs` the invariants.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod bonding;
pub mod crypto;
mod faults;
pub mod math;
mod registry;
mod try_state;
pub mod types;
mod views;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use openledger_primitives::{AgentKeys, AgentRegistry};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

/// The storage version: 0, the layout this pallet launched with.
const STORAGE_VERSION: frame::prelude::StorageVersion = frame::prelude::StorageVersion::new(0);

/// The domain tag of the message an agent key signs to prove it belongs to an owner: the key
/// signs `(KEY_PROOF_CONTEXT, owner).encode()`.
pub const KEY_PROOF_CONTEXT: &[u8] = b"openledger/agent-key";

/// Log target of the pallet.
pub const LOG_TARGET: &str = "runtime::agents";

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// An active base model the benchmark agents may declare, registered if need be; `n`
	/// distinct ones for `n` up to the per-agent limit.
	fn base_model(n: u32) -> ModelId;
}

// The pallet macros generate `expect`s with "qed" proofs; this module holds only declarations
// and thin calls, so the allowance covers macro code.
#[allow(clippy::expect_used)]
#[frame::pallet]
pub mod pallet {
	use super::*;
	use frame::deps::sp_runtime::RuntimeAppPublic;
	use frame::prelude::*;
	use frame::token::fungible::{Inspect, InspectHold, Mutate, MutateHold};

	/// Balance of the runtime's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// The governance-set parameters.
	pub type ParamsOf<T> = Params<BalanceOf<T>, BlockNumberFor<T>>;
	/// The base models an agent holds, at most `MaxModelsPerAgent`.
	pub type ModelsOf<T> = BoundedVec<ModelId, <T as Config>::MaxModelsPerAgent>;
	/// An endpoint URL, at most `MaxEndpointLen` bytes.
	pub type EndpointOf<T> = BoundedVec<u8, <T as Config>::MaxEndpointLen>;
	/// An unbonding chunk.
	pub type ChunkOf<T> = UnbondingChunk<BalanceOf<T>, BlockNumberFor<T>>;
	/// The unbonding chunks of an agent, at most `MaxUnbondingChunks`.
	pub type ChunksOf<T> = BoundedVec<ChunkOf<T>, <T as Config>::MaxUnbondingChunks>;
	/// An agent as stored.
	pub type AgentOf<T> = Agent<
		<T as Config>::AgentKey,
		BalanceOf<T>,
		BlockNumberFor<T>,
		ModelsOf<T>,
		EndpointOf<T>,
		ChunksOf<T>,
	>;
	/// An agent as the runtime API returns it.
	pub type AgentViewOf<T> = AgentView<
		<T as frame_system::Config>::AccountId,
		<T as Config>::AgentKey,
		BalanceOf<T>,
		BlockNumberFor<T>,
	>;
	/// The agents declaring one capability on one base model, sorted by account.
	pub type ProvidersOf<T> =
		BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxProviders>;
	/// A signature by an agent key.
	pub type SignatureOf<T> = <<T as Config>::AgentKey as RuntimeAppPublic>::Signature;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why funds are held.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An agent's bond, active or unbonding, held from its owner.
		AgentBond,
	}

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>>
			+ IsType<<Self as polkadot_sdk::frame_system::Config>::RuntimeEvent>;
		/// The currency bonds are held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Who may set [`Parameters`] and reinstate suspended agents (governance).
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Receives slashed bonds (the treasury).
		type SlashBeneficiary: Get<Self::AccountId>;
		/// The key an agent's node signs its work with.
		type AgentKey: Member + Parameter + RuntimeAppPublic + Ord + MaxEncodedLen;
		/// The active base models an agent may declare.
		type BaseModels: Contains<ModelId>;
		/// Whether an agent has open work (an assigned job, a pending verification): such an
		/// agent may not deregister.
		type Workload: Contains<Self::AccountId>;
		/// The parameters before governance sets any (and at genesis, unless it names some).
		type DefaultParams: Get<ParamsOf<Self>>;
		/// Most registered agents.
		#[pallet::constant]
		type MaxAgents: Get<u32>;
		/// Most base models one agent declares.
		#[pallet::constant]
		type MaxModelsPerAgent: Get<u32>;
		/// Longest endpoint URL, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;
		/// Most unbonding chunks per agent (withdraw to make room).
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;
		/// Most agents declaring one capability on one base model.
		#[pallet::constant]
		type MaxProviders: Get<u32>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
		/// Registers base models for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// The governance-set parameters.
	#[pallet::storage]
	pub type Parameters<T: Config> = StorageValue<_, ParamsOf<T>, ValueQuery, T::DefaultParams>;

	/// Agents by owner. Blake2_128Concat: owners are user-chosen accounts.
	#[pallet::storage]
	pub type Agents<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, AgentOf<T>>;

	/// Owners by agent key (one agent per key). Blake2_128Concat: keys are user-chosen.
	#[pallet::storage]
	pub type AgentByKey<T: Config> = StorageMap<_, Blake2_128Concat, T::AgentKey, T::AccountId>;

	/// The registered, non-leaving agents that declare a capability on a base model, sorted by
	/// owner. Eligibility (active, bonded, model still active) is checked when read. Twox64Concat:
	/// chain-chosen model ids and a two-value enum.
	#[pallet::storage]
	pub type Providers<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		ModelId,
		Twox64Concat,
		Capability,
		ProvidersOf<T>,
		ValueQuery,
	>;

	/// Number of registered agents, leaving ones included (at most [`Config::MaxAgents`]).
	#[pallet::storage]
	pub type AgentCount<T> = StorageValue<_, u32, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame::prelude::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Parameters at genesis; `None` keeps [`Config::DefaultParams`].
		pub params: Option<ParamsOf<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(params) = &self.params {
				if let Err(e) = Pallet::<T>::check_params(params) {
					panic!("genesis agent parameters are invalid: {e:?}");
				}
				Parameters::<T>::put(params);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An agent registered with this key and bond.
		Registered { agent: T::AccountId, key: T::AgentKey, bond: BalanceOf<T> },
		/// An agent changed its capabilities, models or endpoint.
		Updated { agent: T::AccountId },
		/// An agent changed its signing key.
		KeyRotated { agent: T::AccountId, key: T::AgentKey },
		/// An agent's active bond grew by `amount`.
		Bonded { agent: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of an agent's bond starts unbonding; it may be withdrawn from `unlock`.
		Unbonding { agent: T::AccountId, amount: BalanceOf<T>, unlock: BlockNumberFor<T> },
		/// Matured unbonding funds went back to the owner.
		Withdrawn { agent: T::AccountId, amount: BalanceOf<T> },
		/// An agent left: it gets no more work and its whole bond is unbonding.
		Deregistered { agent: T::AccountId, unlock: BlockNumberFor<T> },
		/// A deregistered agent withdrew its last funds; its record is gone.
		Removed { agent: T::AccountId },
		/// A fault of the agent's cost it `amount`, paid to the treasury.
		Slashed { agent: T::AccountId, fault: Fault, amount: BalanceOf<T> },
		/// An agent reached the strike limit and gets no work until reinstated.
		Suspended { agent: T::AccountId, strikes: u32 },
		/// Governance cleared a suspended agent's strikes.
		Reinstated { agent: T::AccountId },
		/// Governance set new parameters.
		ParametersSet { params: ParamsOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// This account already has an agent. Use `update`, `rotate_key` or `bond_extra`.
		AlreadyRegistered,
		/// This account has no agent. Register first.
		NotRegistered,
		/// Another agent uses this key. Generate a new one (`author_rotateKeys` or
		/// `author_insertKey` with key type `agnt`).
		KeyInUse,
		/// The proof is not the key's signature of `("openledger/agent-key", owner)`.
		BadKeyProof,
		/// Neither `train` nor `serve` is declared. Declare at least one.
		NoCapabilities,
		/// The model list is empty, unsorted or repeats a model. List the held base models in
		/// ascending id order, each once.
		BadModelList,
		/// A listed model is not a registered, active base model.
		UnknownModel,
		/// The endpoint is not an `http://` or `https://` URL of printable ASCII.
		BadEndpoint,
		/// The bond is below the minimum bond ([`Params::min_bond`]).
		BondTooLow,
		/// The owner's free balance cannot cover the bond.
		InsufficientBalance,
		/// [`Config::MaxAgents`] agents are registered.
		TooManyAgents,
		/// [`Config::MaxProviders`] agents already declare this capability on a listed model.
		TooManyProviders,
		/// The amount is zero.
		ZeroAmount,
		/// Unbonding this much would leave the active bond below the minimum. Unbond less, or
		/// deregister to unbond everything.
		BelowMinBond,
		/// [`Config::MaxUnbondingChunks`] chunks are unbonding. Withdraw matured ones first.
		TooManyUnbondingChunks,
		/// No unbonding chunk has matured yet.
		NothingToWithdraw,
		/// The agent is deregistered and leaving; only `withdraw_unbonded` applies.
		AgentLeaving,
		/// The agent has open work (an assigned job or a pending verification). Finish it first.
		HasOpenWork,
		/// The agent is not suspended.
		NotSuspended,
		/// The parameters are invalid: the minimum bond and the unbonding period must be
		/// positive.
		BadParameters,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxAgents::get() > 0, "MaxAgents must be positive");
			assert!(T::MaxModelsPerAgent::get() > 0, "MaxModelsPerAgent must be positive");
			assert!(T::MaxUnbondingChunks::get() > 0, "MaxUnbondingChunks must be positive");
			assert!(T::MaxProviders::get() > 0, "MaxProviders must be positive");
			assert!(T::MaxEndpointLen::get() >= 16, "MaxEndpointLen must fit a URL");
			assert!(
				Pallet::<T>::check_params(&T::DefaultParams::get()).is_ok(),
				"DefaultParams must be valid"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller's agent and holds its bond.
		///
		/// - `proof`: `key`'s signature of `("openledger/agent-key", caller).encode()`.
		/// - Errors: [`Error::AlreadyRegistered`], [`Error::KeyInUse`], [`Error::BadKeyProof`],
		///   [`Error::NoCapabilities`], [`Error::BadModelList`], [`Error::UnknownModel`],
		///   [`Error::BadEndpoint`], [`Error::BondTooLow`], [`Error::InsufficientBalance`],
		///   [`Error::TooManyAgents`], [`Error::TooManyProviders`].
		/// - Emits [`Event::Registered`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(models.len() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			key: T::AgentKey,
			proof: SignatureOf<T>,
			capabilities: Capabilities,
			models: ModelsOf<T>,
			endpoint: EndpointOf<T>,
			bond: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, key, proof, capabilities, models, endpoint, bond)
		}

		/// Replaces the agent's capabilities, base models and endpoint.
		///
		/// - Errors: [`Error::NotRegistered`], [`Error::AgentLeaving`], [`Error::NoCapabilities`],
		///   [`Error::BadModelList`], [`Error::UnknownModel`], [`Error::BadEndpoint`],
		///   [`Error::TooManyProviders`].
		/// - Emits [`Event::Updated`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update(models.len() as u32))]
		pub fn update(
			origin: OriginFor<T>,
			capabilities: Capabilities,
			models: ModelsOf<T>,
			endpoint: EndpointOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_update(who, capabilities, models, endpoint)
		}

		/// Replaces the agent's signing key.
		///
		/// - Errors: [`Error::NotRegistered`], [`Error::KeyInUse`], [`Error::BadKeyProof`].
		/// - Emits [`Event::KeyRotated`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::rotate_key())]
		pub fn rotate_key(
			origin: OriginFor<T>,
			key: T::AgentKey,
			proof: SignatureOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_rotate_key(who, key, proof)
		}

		/// Adds `amount` to the agent's active bond.
		///
		/// - Errors: [`Error::NotRegistered`], [`Error::AgentLeaving`], [`Error::ZeroAmount`],
		///   [`Error::InsufficientBalance`].
		/// - Emits [`Event::Bonded`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Starts unbonding `amount` of the active bond; it stays held (and slashable) for
		/// [`Params::unbonding_period`] blocks.
		///
		/// - Errors: [`Error::NotRegistered`], [`Error::AgentLeaving`], [`Error::ZeroAmount`],
		///   [`Error::BelowMinBond`], [`Error::TooManyUnbondingChunks`].
		/// - Emits [`Event::Unbonding`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who, amount)
		}

		/// Leaves: the agent gets no more work and its whole active bond starts unbonding.
		///
		/// - Errors: [`Error::NotRegistered`], [`Error::AgentLeaving`], [`Error::HasOpenWork`],
		///   [`Error::TooManyUnbondingChunks`].
		/// - Emits [`Event::Deregistered`] (and [`Event::Unbonding`] for the bond).
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::deregister(T::MaxModelsPerAgent::get()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister(who)
		}

		/// Releases the matured unbonding chunks to the owner; for a deregistered agent with
		/// nothing left, removes its record.
		///
		/// - Errors: [`Error::NotRegistered`], [`Error::NothingToWithdraw`].
		/// - Emits [`Event::Withdrawn`], [`Event::Removed`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(who)
		}

		/// Sets the parameters.
		///
		/// - Origin: [`Config::ParamsOrigin`] (governance).
		/// - Errors: [`Error::BadParameters`].
		/// - Emits [`Event::ParametersSet`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_parameters())]
		pub fn set_parameters(origin: OriginFor<T>, params: ParamsOf<T>) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Self::check_params(&params)?;
			Parameters::<T>::put(&params);
			Self::deposit_event(Event::ParametersSet { params });
			Ok(())
		}

		/// Clears a suspended agent's strikes and lets it work again.
		///
		/// - Origin: [`Config::ParamsOrigin`] (governance).
		/// - Errors: [`Error::NotRegistered`], [`Error::NotSuspended`].
		/// - Emits [`Event::Reinstated`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::reinstate())]
		pub fn reinstate(origin: OriginFor<T>, agent: T::AccountId) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			Self::do_reinstate(agent)
		}
	}
}
