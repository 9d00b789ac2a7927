//! Consensus: Aura block authoring, GRANDPA finality, the timestamp, and the validator set —
//! bonded candidates (`pallet-collator-selection`), sessions handing Aura and GRANDPA their
//! keys, block authorship (see `crate::validators` for the genesis side and the why).

use super::*;
use crate::{
	opaque::SessionKeys,
	validators::{pallet_validators, MAX_CANDIDATES},
	BlockNumber, CollatorSelection, Session,
};
use polkadot_sdk::{
	frame_support::PalletId, frame_system::EnsureRoot, pallet_collator_selection, pallet_session,
	sp_runtime::traits::OpaqueKeys,
};

parameter_types! {
	/// The most validators Aura and GRANDPA track: the most candidates plus invulnerables of
	/// `validators`.
	pub const MaxAuthorities: u32 = 100;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = MaxAuthorities;
	/// Validators author one block per slot (the slot worker never claims a slot twice), but the
	/// runtime accepts several blocks in one slot so that `--dev` mode can seal a block every
	/// second on wall-clock time while the production slot stays 6 s. Safety comes from GRANDPA;
	/// an author that fills its own slot with extra blocks only spends its own slot.
	type AllowMultipleBlocksPerSlot = ConstBool<true>;
	type SlotDuration = ConstU64<SLOT_DURATION>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = polkadot_sdk::sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	/// A lower bound between two blocks' timestamps; `--dev` seals a block per second.
	type MinimumPeriod = ConstU64<250>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Blocks per session, from genesis state (never zero).
	pub SessionLength: BlockNumber = pallet_validators::SessionLength::<Runtime>::get().max(1);
	/// A candidate that authored nothing in this many blocks (two sessions) is removed at the
	/// next session boundary.
	pub KickThreshold: BlockNumber = SessionLength::get().saturating_mul(2);
}

/// Sessions start at block 0 and every [`SessionLength`] blocks after it.
pub type Sessions = pallet_session::PeriodicSessions<SessionLength, ConstU32<0>>;

parameter_types! {
	/// The validator pot (`ol/valpt`).
	pub const PotId: PalletId = PalletId(*b"ol/valpt");
	/// Idle validators are removed only while more than this many remain.
	pub const MinEligibleValidators: u32 = 1;
	/// The deposit held while an account has session keys registered (one storage item of two
	/// 32-byte keys).
	pub const SessionKeyDeposit: Balance = crate::currency::deposit(1, 64);
}

impl pallet_authorship::Config for Runtime {
	/// The Aura author index, mapped to the account of the session validator at that index.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = (CollatorSelection,);
}

impl pallet_collator_selection::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	/// Invulnerables, the bond and the number of candidates are changed by Root (a referendum
	/// on the root track; sudo on development chains).
	type UpdateOrigin = EnsureRoot<AccountId>;
	type PotId = PotId;
	/// With the invulnerables at most [`crate::configs::MaxAuthorities`] validators.
	type MaxCandidates = ConstU32<MAX_CANDIDATES>;
	type MinEligibleCollators = MinEligibleValidators;
	type MaxInvulnerables = ConstU32<20>;
	type KickThreshold = KickThreshold;
	type ValidatorId = AccountId;
	type ValidatorIdOf = pallet_collator_selection::IdentityCollator;
	type ValidatorRegistration = Session;
	type WeightInfo = pallet_collator_selection::weights::SubstrateWeight<Runtime>;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = pallet_collator_selection::IdentityCollator;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	type SessionManager = CollatorSelection;
	/// Aura and GRANDPA take their authorities from the session's keys.
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// Nothing reports offences, so nobody is disabled mid-session.
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

impl pallet_validators::Config for Runtime {}
