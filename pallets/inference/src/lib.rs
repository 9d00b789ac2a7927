//! # Inference
//!
//! Paid inference (OpenLoRA): users hold OPEN as inference credit, sign vouchers that serving
//! agents present as OpenAI API keys, and the agents settle the tokens they served against
//! those vouchers; every settled planck goes through the inference fee split.
//!
//! Why a pallet of its own rather than a part of `pallet-agents`: credit is a user's state
//! (held, withdrawn, spent by many agents), agents' bonds are operators' state; they share no
//! storage, and the agents pallet is reached through [`AgentRegistry`] like every other pallet
//! that gives agents work.
//!
//! ## Overview
//!
//! - **Credit** ([`Pallet::deposit`]): OPEN held from the user under [`HoldReason::Credit`].
//!   [`Pallet::request_withdraw`] asks for part of it back; the amount stays held and spendable
//!   for [`Config::WithdrawDelay`] blocks, so vouchers in flight can still settle, then
//!   [`Pallet::withdraw`] releases what is left of it.
//! - **Vouchers** ([`Voucher`]): user, agent, maximum cumulative spend, expiry and nonce, signed
//!   by the user's sr25519 key or, for an Ethereum-style account, its Ethereum key (EIP-191
//!   `personal_sign`). The signed message is [`Pallet::voucher_message`]: bound to this chain's
//!   genesis hash, so a voucher cannot be spent on another chain.
//! - **Settlement** ([`Pallet::settle`]): the voucher's agent (it must be able to serve each
//!   record's base model, [`AgentRegistry::can_work`]) presents the voucher and a batch of
//!   [`UsageRecord`]s with increasing request ids. Each record costs its tokens (prompt and
//!   completion) at the model's on-chain price ([`ModelPrices`], rounded up to the planck); the
//!   batch is refused whole if it would take more than the voucher's maximum or the credit
//!   held, if the voucher has expired, or if a request id is not above the last one settled —
//!   so no record is paid twice. Each record's cost divides by [`Config::InferenceSplit`]: the
//!   model owner (the treasury for a base model), the agent (the stakers' share), the
//!   contributors (kept held from the user per record in [`ContributorPots`] under
//!   [`HoldReason::ContributorsPot`] until Proof of Attribution pays it, the completion's token
//!   ids offchain-indexed for it) and the treasury.
//! - **Cleanup**: an expired voucher's state can be removed by anyone
//!   ([`Pallet::reap_voucher`]); an expired voucher cannot be settled, so nothing is lost.
//!
//! Every planck is accounted for: `try_state` checks that the credit records equal the
//! currency's holds, that the per-record pots equal the contributors' holds, and that no
//! voucher has spent more than its maximum.
//!
//! ## Code layout
//!
//! This file declares the pallet and keeps calls thin; `credit.rs` holds deposits and
//! withdrawals, `voucher.rs` the signed message and its two signature schemes, `settle.rs` the
//! settlement, `math.rs` its arithmetic (property-tested) and `try_state.rs` the invariants.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod agent;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod credit;
pub mod math;
mod settle;
mod try_state;
pub mod types;
pub mod voucher;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use openledger_primitives::{AgentKeys, AgentRegistry, ModelPrice, ModelPrices, ServedModel};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use polkadot_sdk::polkadot_sdk_frame as frame;

/// The storage version: 0, the layout this pallet launched with.
const STORAGE_VERSION: frame::prelude::StorageVersion = frame::prelude::StorageVersion::new(0);

/// Log target of the pallet.
pub const LOG_TARGET: &str = "runtime::inference";

/// What the benchmarks need from the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes `agent` able to serve a registered, active, priced model whose owner is an
	/// existing account (its `i`-th such model: distinct owners for distinct `i` where the
	/// runtime can make them), and returns the model.
	fn served_model(agent: &AccountId, i: u32) -> ServedModel;
}

// The pallet macros generate `expect`s with "qed" proofs; this module holds only declarations
// and thin calls, so the allowance covers macro code (which also binds a unit value in the
// `validate_unsigned` expansion). `ValidateUnsigned` is deprecated upstream in favour of
// `#[pallet::authorize]`; the move is planned with the models pallet's (docs/architecture.md).
#[allow(clippy::expect_used, clippy::let_unit_value, deprecated)]
#[frame::pallet]
pub mod pallet {
	use super::*;
	use frame::deps::{frame_system::offchain::CreateBare, sp_runtime::RuntimeAppPublic};
	use frame::prelude::*;
	use frame::token::fungible::{Inspect, InspectHold, Mutate, MutateHold};

	/// Balance of the runtime's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A user's credit.
	pub type CreditOf<T> = Credit<BalanceOf<T>, BlockNumberFor<T>>;
	/// A voucher.
	pub type VoucherOf<T> =
		Voucher<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// A settled voucher's state.
	pub type VoucherStateOf<T> =
		VoucherState<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// A usage record.
	pub type RecordOf<T> = UsageRecord<<T as Config>::MaxCompletionTokens>;
	/// The records of one settlement.
	pub type RecordsOf<T> = BoundedVec<RecordOf<T>, <T as Config>::MaxRecords>;
	/// An agent key's signature (over [`Pallet::settle_message`]).
	pub type AgentSignatureOf<T> = <<T as Config>::AgentKey as RuntimeAppPublic>::Signature;
	/// A record's contributors' pot.
	pub type PotOf<T> = RecordPot<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A user's inference credit.
		Credit,
		/// The contributors' part of settled inference, held from the user until Proof of
		/// Attribution pays it.
		ContributorsPot,
	}

	#[pallet::config]
	// 32-byte accounts: a voucher's signer is an sr25519 key or an Ethereum address mapped the
	// way `pallet-revive` maps it (the address followed by twelve 0xEE bytes).
	pub trait Config:
		polkadot_sdk::frame_system::Config<AccountId = frame::deps::sp_runtime::AccountId32>
		+ CreateBare<Call<Self>>
	{
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>>
			+ IsType<<Self as polkadot_sdk::frame_system::Config>::RuntimeEvent>;
		/// The currency credit is held in.
		type Currency: Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ InspectHold<Self::AccountId>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Prices and owners of the registered models (`pallet-models`).
		type Models: ModelPrices<Self::AccountId, BalanceOf<Self>>;
		/// The agents registry (`pallet-agents`): who may settle for serving which base model,
		/// and the keys agents' nodes sign settlements with.
		type Agents: AgentRegistry<Self::AccountId, BalanceOf<Self>>
			+ AgentKeys<Self::AccountId, Self::AgentKey>;
		/// An agent's node key (sr25519 under `agnt` in the runtime): it signs the settlements
		/// the agent's node sends ([`Pallet::settle_unsigned`]).
		type AgentKey: Member + Parameter + RuntimeAppPublic + MaxEncodedLen;
		/// Priority of the settlements agents' nodes send.
		type UnsignedPriority: Get<TransactionPriority>;
		/// How a settled cost divides (`pallet-tokenomics`' inference split).
		type InferenceSplit: Get<openledger_primitives::FeeSplit>;
		/// Receives the treasury's share.
		type Treasury: Get<Self::AccountId>;
		/// Blocks between asking for credit back and withdrawing it.
		#[pallet::constant]
		type WithdrawDelay: Get<BlockNumberFor<Self>>;
		/// Most records in one settlement.
		#[pallet::constant]
		type MaxRecords: Get<u32>;
		/// Most completion token ids in one record.
		#[pallet::constant]
		type MaxCompletionTokens: Get<u32>;
		/// Weights of the calls.
		type WeightInfo: WeightInfo;
		/// Makes servable models for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Each user's inference credit. Blake2_128Concat: users choose their accounts.
	#[pallet::storage]
	pub type Credits<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, CreditOf<T>>;

	/// Vouchers settled at least once or authorized on chain, by user and nonce, until reaped
	/// after expiry.
	/// Blake2_128Concat on the user (chosen by them), Twox64Concat on the nonce under it.
	#[pallet::storage]
	pub type Vouchers<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, VoucherStateOf<T>>;

	/// The contributors' part of each settled record, by user and (voucher nonce, request id),
	/// held from the user until Proof of Attribution pays it. Blake2_128Concat on the user,
	/// Twox64Concat on ids under it.
	#[pallet::storage]
	pub type ContributorPots<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, (u64, u64), PotOf<T>>;

	/// Vouchers their users authorized on chain instead of signing (contracts, which have no
	/// key), by user and nonce: the BLAKE2-256 of the voucher's signed message. An authorized
	/// voucher's state is in [`Vouchers`] from the start, and both go together once it has
	/// expired ([`Pallet::reap_voucher`]). Blake2_128Concat on the
	/// user, Twox64Concat on the nonce under it.
	#[pallet::storage]
	pub type Authorizations<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u64, [u8; 32]>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Credit was added.
		CreditDeposited { who: T::AccountId, amount: BalanceOf<T>, held: BalanceOf<T> },
		/// A withdrawal was asked for; it can be made from block `at`.
		WithdrawRequested { who: T::AccountId, amount: BalanceOf<T>, at: BlockNumberFor<T> },
		/// Credit was released to the user's free balance.
		CreditWithdrawn { who: T::AccountId, amount: BalanceOf<T>, held: BalanceOf<T> },
		/// An agent settled `records` records of a voucher.
		Settled {
			user: T::AccountId,
			agent: T::AccountId,
			nonce: u64,
			records: u32,
			paid: Paid<BalanceOf<T>>,
			spent: BalanceOf<T>,
		},
		/// An expired voucher's state was removed.
		VoucherReaped { user: T::AccountId, nonce: u64 },
		/// A user authorized a voucher on chain; its API key carries no signature.
		VoucherAuthorized {
			user: T::AccountId,
			agent: T::AccountId,
			nonce: u64,
			max_spend: BalanceOf<T>,
			expiry: BlockNumberFor<T>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The amount is zero.
		ZeroAmount,
		/// More than the credit held was asked back: ask for at most what `Credits` shows.
		InsufficientCredit,
		/// No withdrawal was asked for: call `request_withdraw` first.
		NothingToWithdraw,
		/// The withdrawal delay has not passed: wait until the block in `WithdrawRequested`.
		WithdrawTooEarly,
		/// The voucher's signature is not the user's: sign `voucher_message` with the user's key.
		BadSignature,
		/// Only the voucher's agent may settle it.
		WrongAgent,
		/// The voucher's expiry has passed: it can no longer be settled.
		VoucherExpired,
		/// This nonce was settled with other terms (agent, maximum or expiry): a user's nonces
		/// must be unique.
		VoucherMismatch,
		/// A record's request id is not above the last one settled for this voucher (a record
		/// already paid, or records out of order).
		RequestNotIncreasing,
		/// The records would take more than the voucher's maximum.
		OverSpend,
		/// The records would take more than the user's credit.
		CreditExhausted,
		/// A record names a model that is not registered and active.
		UnknownModel,
		/// The agent cannot serve a record's base model now (not registered, suspended, below
		/// the minimum bond, or the model not declared).
		NotServing,
		/// A settlement needs at least one record.
		NoRecords,
		/// An amount overflowed.
		Overflow,
		/// No state is kept for this voucher.
		UnknownVoucher,
		/// The voucher has not expired yet: it may still be settled.
		NotExpired,
		/// The settlement is not signed by the node key of the voucher's agent.
		BadAgentSignature,
		/// Only the voucher's user may authorize it.
		NotTheUser,
		/// The nonce was authorized or settled before: a user's nonces must be unique.
		NonceUsed,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn offchain_worker(_now: BlockNumberFor<T>) {
			Self::offchain_settle();
		}

		fn integrity_test() {
			assert!(T::MaxRecords::get() > 0, "MaxRecords must be positive");
			assert!(T::InferenceSplit::get().is_whole(), "the inference split must be whole");
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
		/// Holds `amount` of the caller's OPEN as inference credit.
		///
		/// - Origin: signed.
		/// - Errors: [`Error::ZeroAmount`], [`Error::Overflow`], and the currency's error when
		///   the amount cannot be held.
		/// - Emits [`Event::CreditDeposited`].
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::deposit())]
		pub fn deposit(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deposit(&who, amount)
		}

		/// Asks for `amount` of the caller's credit back. It stays held and spendable by
		/// vouchers for [`Config::WithdrawDelay`] blocks; a new request replaces the previous
		/// one and restarts the delay.
		///
		/// - Origin: signed.
		/// - Errors: [`Error::ZeroAmount`], [`Error::InsufficientCredit`].
		/// - Emits [`Event::WithdrawRequested`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::request_withdraw())]
		pub fn request_withdraw(
			origin: OriginFor<T>,
			#[pallet::compact] amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_withdraw(&who, amount)
		}

		/// Releases the withdrawal asked for, once its delay has passed: the amount asked, or
		/// what is left of the credit when settlements took part of it since.
		///
		/// - Origin: signed.
		/// - Errors: [`Error::NothingToWithdraw`], [`Error::WithdrawTooEarly`].
		/// - Emits [`Event::CreditWithdrawn`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::withdraw())]
		pub fn withdraw(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw(&who)
		}

		/// Settles `records` served under `voucher`, paying from the user's credit through the
		/// inference fee split (see the crate docs).
		///
		/// - Origin: signed, by the voucher's agent.
		/// - Errors: [`Error::WrongAgent`], [`Error::BadSignature`], [`Error::VoucherExpired`],
		///   [`Error::VoucherMismatch`], [`Error::NoRecords`], [`Error::RequestNotIncreasing`],
		///   [`Error::UnknownModel`], [`Error::NotServing`], [`Error::Overflow`],
		///   [`Error::OverSpend`], [`Error::CreditExhausted`].
		/// - Emits [`Event::Settled`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::settle(records.len() as u32))]
		pub fn settle(
			origin: OriginFor<T>,
			voucher: VoucherOf<T>,
			signature: VoucherSignature,
			records: RecordsOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_settle(&who, &voucher, &signature, &records)
		}

		/// Settles `records` served under `voucher`, as [`Pallet::settle`] does, sent by the
		/// agent's node: `agent_signature` is the agent's registered node key's over
		/// [`Pallet::settle_message`].
		///
		/// - Origin: none (unsigned from the agent's offchain worker).
		/// - Errors: [`Error::BadAgentSignature`], then those of [`Pallet::settle`].
		/// - Emits [`Event::Settled`].
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::settle_unsigned(records.len() as u32))]
		pub fn settle_unsigned(
			origin: OriginFor<T>,
			voucher: VoucherOf<T>,
			signature: VoucherSignature,
			records: RecordsOf<T>,
			agent_signature: AgentSignatureOf<T>,
		) -> DispatchResult {
			ensure_none(origin)?;
			ensure!(
				Self::agent_signed(&voucher, &records, &agent_signature),
				Error::<T>::BadAgentSignature
			);
			Self::do_settle(&voucher.agent, &voucher, &signature, &records)
		}

		/// Removes the state of an expired voucher (anyone may: an expired voucher can no
		/// longer be settled).
		///
		/// - Origin: signed.
		/// - Errors: [`Error::UnknownVoucher`], [`Error::NotExpired`].
		/// - Emits [`Event::VoucherReaped`].
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::reap_voucher())]
		pub fn reap_voucher(
			origin: OriginFor<T>,
			user: T::AccountId,
			nonce: u64,
		) -> DispatchResult {
			ensure_signed(origin)?;
			let v = Vouchers::<T>::get(&user, nonce).ok_or(Error::<T>::UnknownVoucher)?;
			ensure!(frame_system::Pallet::<T>::block_number() > v.expiry, Error::<T>::NotExpired);
			Vouchers::<T>::remove(&user, nonce);
			Authorizations::<T>::remove(&user, nonce);
			Self::deposit_event(Event::VoucherReaped { user, nonce });
			Ok(())
		}

		/// Authorizes `voucher` on chain, as a signature would: its API key then carries
		/// [`VoucherSignature::Authorized`] instead of a signature. For accounts without a key
		/// (contracts, through the inference precompile) and for wallets that prefer a
		/// transaction to a signed message.
		///
		/// - Origin: signed, by the voucher's user.
		/// - Errors: [`Error::NotTheUser`], [`Error::VoucherExpired`], [`Error::NonceUsed`].
		/// - Emits [`Event::VoucherAuthorized`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::authorize_voucher())]
		pub fn authorize_voucher(origin: OriginFor<T>, voucher: VoucherOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_authorize(&who, &voucher)
		}
	}

	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			match call {
				Call::settle_unsigned { voucher, signature, records, agent_signature } => {
					Self::validate_settlement(voucher, signature, records, agent_signature)
				}
				_ => InvalidTransaction::Call.into(),
			}
		}
	}
}
