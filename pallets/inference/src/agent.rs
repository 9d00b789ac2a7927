//! The agent's node side of settlement: the message its node key signs, the transaction pool's
//! check of an unsigned settlement, and the offchain worker that sends the usage the node's
//! endpoint metered.
//!
//! The endpoint (the node's AI service) keeps the records of each voucher it served until the
//! chain has settled them, and offers them through [`ai::due_settlements`] when they fill a
//! settlement, are old enough, or their voucher nears its expiry. The offchain worker signs
//! each offered settlement with the node key of the voucher's agent (if this node holds it) and
//! sends it as [`Call::settle_unsigned`]; the endpoint stops offering records once the chain's
//! voucher state shows them settled.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame::deps::{
	frame_system::offchain::{CreateBare, SubmitTransaction},
	sp_io,
	sp_runtime::RuntimeAppPublic,
};
use frame::prelude::*;
use openledger_ai_primitives::{ai, DueSettlement};

impl<T: Config> Pallet<T> {
	/// What an agent's node key signs for [`Pallet::settle_unsigned`]: the BLAKE2-256 of the
	/// tag, the voucher and the records.
	pub fn settle_message(voucher: &VoucherOf<T>, records: &RecordsOf<T>) -> [u8; 32] {
		sp_io::hashing::blake2_256(&(b"openledger/settle", voucher, records).encode())
	}

	/// Whether `signature` is the voucher's agent's node key's over the settlement.
	pub(crate) fn agent_signed(
		voucher: &VoucherOf<T>,
		records: &RecordsOf<T>,
		signature: &AgentSignatureOf<T>,
	) -> bool {
		T::Agents::key_of(&voucher.agent)
			.is_some_and(|key| key.verify(&Self::settle_message(voucher, records), signature))
	}

	/// The pool's check of an unsigned settlement: signed by the agent's node key and by the
	/// voucher's user, the voucher not expired, its first record not settled yet. The rest
	/// (prices, the maximum, credit) is checked when it is applied. One settlement per (user,
	/// nonce, first request) in the pool.
	pub(crate) fn validate_settlement(
		voucher: &VoucherOf<T>,
		signature_of_user: &VoucherSignature,
		records: &RecordsOf<T>,
		signature: &AgentSignatureOf<T>,
	) -> TransactionValidity {
		if !Self::agent_signed(voucher, records, signature) {
			return InvalidTransaction::BadProof.into();
		}
		let now = frame_system::Pallet::<T>::block_number();
		if now > voucher.expiry {
			return InvalidTransaction::Stale.into();
		}
		let Some(first) = records.first() else { return InvalidTransaction::Call.into() };
		if !Self::signed_by_user(voucher, signature_of_user) {
			return InvalidTransaction::BadProof.into();
		}
		let settled = Vouchers::<T>::get(&voucher.user, voucher.nonce)
			.and_then(|s| s.last_request)
			.is_some_and(|last| first.request <= last);
		if settled {
			return InvalidTransaction::Stale.into();
		}
		let longevity: u64 =
			voucher.expiry.saturating_sub(now).saturating_add(One::one()).unique_saturated_into();
		ValidTransaction::with_tag_prefix("openledger/settle")
			.priority(T::UnsignedPriority::get())
			.and_provides((&voucher.user, voucher.nonce, first.request))
			.longevity(longevity)
			.propagate(true)
			.build()
	}

	/// Sends the settlements this node's endpoint offers, for the agents whose node keys this
	/// node holds.
	pub(crate) fn offchain_settle() {
		let keys = T::AgentKey::all();
		if keys.is_empty() {
			return;
		}
		let Ok(due) = ai::due_settlements(T::MaxRecords::get()) else { return };
		for d in due {
			Self::offchain_send(&keys, d);
		}
	}

	fn offchain_send(keys: &[T::AgentKey], due: DueSettlement) {
		let Ok(signed) = SignedVoucher::decode(&mut due.voucher.as_slice()) else {
			log::warn!(target: LOG_TARGET, "the endpoint offered a voucher that does not decode");
			return;
		};
		let SignedVoucher { voucher, signature } = signed;
		let Some(key) = T::Agents::key_of(&voucher.agent).filter(|k| keys.contains(k)) else {
			return;
		};
		let records: Vec<RecordOf<T>> = due
			.records
			.into_iter()
			.map(|u| UsageRecord {
				request: u.request,
				model: u.model,
				prompt_tokens: u.prompt_tokens,
				completion_tokens: u.completion_tokens,
				prompt_hash: u.prompt_hash,
				// the endpoint caps completions at the chain's limit; a longer one keeps its
				// count (what is paid) and its first tokens
				completion: BoundedVec::truncate_from(u.completion),
			})
			.collect();
		let records: RecordsOf<T> = BoundedVec::truncate_from(records);
		let (Some(first), Some(last)) =
			(records.first().map(|r| r.request), records.last().map(|r| r.request))
		else {
			return;
		};
		let Some(agent_signature) = key.sign(&Self::settle_message(&voucher, &records)) else {
			return;
		};
		let nonce = voucher.nonce;
		let call = Call::settle_unsigned { voucher, signature, records, agent_signature };
		let xt = <T as CreateBare<Call<T>>>::create_bare(call.into());
		if SubmitTransaction::<T, Call<T>>::submit_transaction(xt).is_ok() {
			log::info!(target: LOG_TARGET, "voucher {nonce}: settlement of requests {first}..={last} sent");
		} else {
			log::debug!(target: LOG_TARGET, "voucher {nonce}: the pool refused the settlement of {first}..={last}");
		}
	}
}
