//! # Tokenomics
//!
//! The economic parameters of OpenLedger and the guard of the fixed OPEN supply.
//!
//! ## Overview
//!
//! - **Fee split** ([`FeeSplit`]): how an inference payment is divided between the
//!   protocol treasury, the model owner, the stakers and the data contributors. Four `Perbill`s
//!   that always sum to exactly 100 %: a change that does not is refused with
//!   [`Error::SplitNotWhole`], so no payment can create or lose a planck.
//! - **Training fee split** ([`TrainingFeeSplit`]): the same four shares for the compute part
//!   of a ModelFactory fine-tune's fee, where the "stakers" are the trainer agent and its
//!   verifiers (who did the work) and the "model owner" is the owner of the model trained
//!   from; its own parameter because training pays for compute that inference does not.
//! - **Reward release** ([`RewardRelease`]): the share of the community reward pool released to
//!   stakers and contributors per day.
//! - **Fixed supply**: [`Config::MaxSupply`] is the 1,000,000,000 OPEN minted at genesis.
//!   `try_state` checks that the *active* issuance never exceeds it. (The EVM pallet mints one
//!   existential deposit into each new contract account and deactivates it at once: it can never
//!   be spent and is burned with the contract, so total issuance may exceed the supply by those
//!   deposits while active issuance cannot.)
//! - **Contribution slash**: the share of a rejected contribution's deposit that is slashed is
//!   kept by the Datanets pallet (its `set_reject_slash`, under the same governance origin) and
//!   reported here through [`Config::ContributionSlash`].
//!
//! Every parameter is genesis state, readable through the runtime API and the precompile, and
//! changeable only by [`Config::ParamsOrigin`] (governance's economic-parameters track); every
//! change emits an event.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use openledger_primitives::FeeSplit;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

use frame::{prelude::*, token::fungible::Inspect as _};

#[allow(clippy::expect_used)]
#[frame::pallet]
pub mod pallet {
	use super::*;
	use frame::token::fungible::Inspect;
	use openledger_primitives::FeeSplit as Split;

	/// Balance of the runtime's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>>
			+ IsType<<Self as polkadot_sdk::frame_system::Config>::RuntimeEvent>;
		/// The native currency, whose issuance is checked against [`Config::MaxSupply`].
		type Currency: Inspect<Self::AccountId>;
		/// Origin that may change the parameters (governance).
		type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The slash share of rejected contributions, as the Datanets pallet holds it.
		type ContributionSlash: Get<Perbill>;
		/// The fixed supply: total issuance may never exceed it.
		#[pallet::constant]
		type MaxSupply: Get<BalanceOf<Self>>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance changed the fee split.
		FeeSplitSet { split: Split },
		/// Governance changed the training fee split.
		TrainingFeeSplitSet { split: Split },
		/// Governance changed the daily release rate of the community reward pool.
		RewardReleaseSet { rate: Perbill },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The four shares of a fee split must sum to exactly 100 %; adjust one so they do.
		SplitNotWhole,
		/// The value is already set: the change would change nothing.
		NoChange,
	}

	/// The fee split of inference payments.
	#[pallet::storage]
	pub type FeeSplit<T> = StorageValue<_, Split, ValueQuery, DefaultFeeSplit>;

	/// The fee split of the compute part of fine-tune fees.
	#[pallet::storage]
	pub type TrainingFeeSplit<T> = StorageValue<_, Split, ValueQuery, DefaultTrainingFeeSplit>;

	/// Default training fee split (see [`Split::TRAINING`](openledger_primitives::FeeSplit::TRAINING)).
	#[pallet::type_value]
	pub fn DefaultTrainingFeeSplit() -> Split {
		Split::TRAINING
	}

	/// Default fee split (see [`Split::DEFAULT`](openledger_primitives::FeeSplit::DEFAULT)).
	#[pallet::type_value]
	pub fn DefaultFeeSplit() -> Split {
		Split::DEFAULT
	}

	/// Share of the community reward pool released per day.
	#[pallet::storage]
	pub type RewardRelease<T> = StorageValue<_, Perbill, ValueQuery, DefaultRewardRelease>;

	/// Default reward release: 0.05 % of the pool per day (about 17 % a year).
	#[pallet::type_value]
	pub fn DefaultRewardRelease() -> Perbill {
		Perbill::from_parts(500_000)
	}

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Initial fee split; must sum to 100 %.
		pub fee_split: Split,
		/// Initial training fee split; must sum to 100 %.
		pub training_fee_split: Split,
		/// Initial daily reward release rate.
		pub reward_release: Perbill,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self {
				fee_split: Split::DEFAULT,
				training_fee_split: Split::TRAINING,
				reward_release: DefaultRewardRelease::get(),
				_config: Default::default(),
			}
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// A chain spec with a split that is not whole must not start a chain.
			assert!(self.fee_split.is_whole(), "genesis fee split must sum to exactly 100 %");
			assert!(
				self.training_fee_split.is_whole(),
				"genesis training fee split must sum to exactly 100 %"
			);
			FeeSplit::<T>::put(self.fee_split);
			TrainingFeeSplit::<T>::put(self.training_fee_split);
			RewardRelease::<T>::put(self.reward_release);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(Split::DEFAULT.is_whole(), "the default fee split must be whole");
			assert!(Split::TRAINING.is_whole(), "the default training fee split must be whole");
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
		/// Sets the fee split. Origin: [`Config::ParamsOrigin`]. Errors: `SplitNotWhole` (the
		/// shares do not sum to exactly 100 %), `NoChange`. Emits `FeeSplitSet`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::set_fee_split())]
		pub fn set_fee_split(origin: OriginFor<T>, split: Split) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(split.is_whole(), Error::<T>::SplitNotWhole);
			ensure!(FeeSplit::<T>::get() != split, Error::<T>::NoChange);
			FeeSplit::<T>::put(split);
			Self::deposit_event(Event::FeeSplitSet { split });
			Ok(())
		}

		/// Sets the share of the community reward pool released per day. Origin:
		/// [`Config::ParamsOrigin`]. Errors: `NoChange`. Emits `RewardReleaseSet`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_reward_release())]
		pub fn set_reward_release(origin: OriginFor<T>, rate: Perbill) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(RewardRelease::<T>::get() != rate, Error::<T>::NoChange);
			RewardRelease::<T>::put(rate);
			Self::deposit_event(Event::RewardReleaseSet { rate });
			Ok(())
		}

		/// Sets the training fee split. Origin: [`Config::ParamsOrigin`]. Errors:
		/// `SplitNotWhole`, `NoChange`. Emits `TrainingFeeSplitSet`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::set_fee_split())]
		pub fn set_training_fee_split(origin: OriginFor<T>, split: Split) -> DispatchResult {
			T::ParamsOrigin::ensure_origin(origin)?;
			ensure!(split.is_whole(), Error::<T>::SplitNotWhole);
			ensure!(TrainingFeeSplit::<T>::get() != split, Error::<T>::NoChange);
			TrainingFeeSplit::<T>::put(split);
			Self::deposit_event(Event::TrainingFeeSplitSet { split });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The current fee split.
	pub fn fee_split() -> FeeSplit {
		pallet::FeeSplit::<T>::get()
	}

	/// The current training fee split.
	pub fn training_fee_split() -> FeeSplit {
		pallet::TrainingFeeSplit::<T>::get()
	}

	/// All parameters at once (runtime API, precompile).
	pub fn parameters() -> Parameters<BalanceOf<T>> {
		Parameters {
			fee_split: pallet::FeeSplit::<T>::get(),
			contribution_slash: T::ContributionSlash::get(),
			reward_release: RewardRelease::<T>::get(),
			max_supply: T::MaxSupply::get(),
			total_issuance: T::Currency::total_issuance(),
			active_issuance: T::Currency::active_issuance(),
		}
	}

	/// Invariants: the stored split is whole, and active issuance is within the fixed supply. Run by
	/// `try_state`, by the pallet's tests after each test, and by the runtime's tests.
	pub fn do_try_state() -> Result<(), frame::deps::sp_runtime::TryRuntimeError> {
		ensure!(pallet::FeeSplit::<T>::get().is_whole(), "fee split does not sum to 100 %");
		ensure!(
			pallet::TrainingFeeSplit::<T>::get().is_whole(),
			"training fee split does not sum to 100 %"
		);
		ensure!(
			T::Currency::active_issuance() <= T::MaxSupply::get(),
			"active issuance above the fixed supply"
		);
		Ok(())
	}
}
