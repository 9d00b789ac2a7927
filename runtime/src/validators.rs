//! Validators: who authors blocks (Aura) and votes on finality (GRANDPA).
//!
//! - **Candidacy with a bond** (`pallet-collator-selection`, from polkadot-sdk): an account with
//!   session keys calls `collatorSelection.registerAsCandidate` and [`CandidacyBond`](polkadot_sdk::pallet_collator_selection::CandidacyBond) OPEN is
//!   reserved; `leaveIntent` returns it. The highest bonds win when there are more candidates
//!   than `desiredCandidates` (`updateBond`, `takeCandidateSlot`). Governance (Root) may add
//!   invulnerable validators, which need no bond.
//! - **Sessions** (`pallet-session`): every [`SessionLength`](crate::configs::SessionLength) blocks the selected candidates'
//!   keys (set with `author_rotateKeysWithOwner` + `session.setKeys`) become the next
//!   session's Aura and GRANDPA authorities; a change takes effect one session after it is made.
//! - **Removal of idle validators**: at each session boundary a candidate that authored no block
//!   in the last [`KickThreshold`](crate::configs::KickThreshold) blocks (two sessions) is removed and its bond returned, as long
//!   as at least [`MinEligibleValidators`](crate::configs::MinEligibleValidators) remain.
//! - **Authorship** (`pallet-authorship`): the author of each block, as an account, for the
//!   idleness check and for transaction fees (`configs::FeesToAuthor`).
//!
//! The pallet configurations are in `configs::consensus`; this module keeps the presets'
//! constants and the local `pallet_validators` (session length, genesis bonds).
//! - **Validator pot** (`ol/valpt`): anyone may fund it; each block's author takes half of what
//!   is above its existential deposit. Nothing is minted.
//!
//! Equivocation (two blocks in one slot, two GRANDPA votes in one round) is not punished:
//! `pallet-collator-selection` has no slashing, and reporting without punishment would only cost
//! weight. The bond is an entry fee and a sybil barrier, not a slashable stake.
//!
//! The session length is genesis state ([`pallet_validators::GenesisConfig`]), so a test network
//! can run minute-long sessions on the same runtime code; so are the validators bonded at
//! genesis (`local_testnet`: Alice and Bob; `development`: Alice).

use crate::{currency::OPEN, Balance, BlockNumber};

/// The candidacy bond of the presets: 10,000 OPEN reserved while an account is a candidate.
#[allow(clippy::arithmetic_side_effects, reason = "compile-time constant")]
pub const CANDIDACY_BOND: Balance = 10_000 * OPEN;

/// The session length of the production presets: one hour of 6-second blocks.
pub const PRODUCTION_SESSION_LENGTH: BlockNumber = crate::time::HOURS;

/// The most bonded candidates; the presets select all of them (`desiredCandidates`).
pub const MAX_CANDIDATES: u32 = 80;

/// The session length and the validators bonded at genesis.
#[polkadot_sdk::frame_support::pallet]
#[allow(clippy::expect_used, reason = "a genesis that cannot be built must abort the build")]
pub mod pallet_validators {
	use alloc::vec::Vec;
	use polkadot_sdk::{
		frame_support::{pallet_prelude::*, traits::ReservableCurrency},
		frame_system::pallet_prelude::BlockNumberFor,
		pallet_collator_selection::{
			self as collator_selection, CandidacyBond, CandidateInfo, CandidateList,
			LastAuthoredBlock,
		},
		sp_runtime::traits::Zero,
	};

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config + collator_selection::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Blocks per session.
	#[pallet::storage]
	pub type SessionLength<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// Blocks per session (not zero).
		pub session_length: BlockNumberFor<T>,
		/// Accounts that are candidates from genesis: each has `collatorSelection`'s candidacy
		/// bond reserved, exactly as if it had called `registerAsCandidate`. Their session keys
		/// go in `session.keys`. Built before `session`, so they are the first validators.
		pub candidates: Vec<T::AccountId>,
	}

	impl<T: Config> Default for GenesisConfig<T> {
		/// Production-length sessions, no bonded candidates.
		fn default() -> Self {
			Self { session_length: super::PRODUCTION_SESSION_LENGTH.into(), candidates: Vec::new() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			assert!(!self.session_length.is_zero(), "validators.sessionLength must not be zero");
			SessionLength::<T>::put(self.session_length);
			let bond = CandidacyBond::<T>::get();
			// As `registerAsCandidate` does: a first grace period of one kick threshold.
			let first_deadline = <T as collator_selection::Config>::KickThreshold::get();
			let mut list = CandidateList::<T>::get();
			for who in &self.candidates {
				assert!(
					!list.iter().any(|c| &c.who == who),
					"a genesis validator candidate is listed twice"
				);
				<T as collator_selection::Config>::Currency::reserve(who, bond)
					.expect("a genesis validator candidate cannot pay the candidacy bond");
				LastAuthoredBlock::<T>::insert(who, first_deadline);
				list.try_push(CandidateInfo { who: who.clone(), deposit: bond })
					.expect("more genesis validator candidates than MaxCandidates");
			}
			CandidateList::<T>::put(list);
		}
	}
}
