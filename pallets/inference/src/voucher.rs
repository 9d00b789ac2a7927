//! The message a voucher's signature covers, and its two signature schemes.
//!
//! - **sr25519** (Substrate accounts, polkadot-js and its extension): the user's key signs
//!   [`Pallet::voucher_message`] as raw bytes; the account is the public key.
//! - **Ethereum** (MetaMask and other EIP-1193 wallets): the key signs the same bytes with
//!   `personal_sign` (EIP-191: keccak-256 of `"\x19Ethereum Signed Message:\n" ‖ decimal length ‖
//!   message`); the chain recovers the key, takes its address (the last 20 bytes of the
//!   keccak-256 of the uncompressed key) and maps it to the account `address ‖ 0xEE × 12`, the
//!   way `pallet-revive` maps Ethereum addresses.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use codec::Encode;
use frame::deps::{sp_core::sr25519, sp_io, sp_runtime::AccountId32};
use polkadot_sdk::polkadot_sdk_frame::prelude::*;

/// The domain tag of a voucher's signed message.
pub const VOUCHER_CONTEXT: &[u8] = b"openledger/voucher";

/// The account of Ethereum address `address`: the address followed by twelve `0xEE` bytes.
pub fn eth_account(address: [u8; 20]) -> AccountId32 {
	let mut bytes = [0xEE; 32];
	if let Some(head) = bytes.get_mut(..20) {
		head.copy_from_slice(&address);
	}
	AccountId32::new(bytes)
}

/// The EIP-191 hash a wallet's `personal_sign` of `message` signs.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
	let mut prefixed = Vec::with_capacity(message.len().saturating_add(40));
	prefixed.extend_from_slice(b"\x19Ethereum Signed Message:\n");
	prefixed.extend_from_slice(decimal(message.len()).as_slice());
	prefixed.extend_from_slice(message);
	sp_io::hashing::keccak_256(&prefixed)
}

/// `n` in ASCII decimal digits.
fn decimal(mut n: usize) -> Vec<u8> {
	let mut digits = Vec::new();
	loop {
		digits.push(b'0'.saturating_add((n % 10) as u8));
		n /= 10;
		if n == 0 {
			break;
		}
	}
	digits.reverse();
	digits
}

/// The account whose Ethereum key made `signature` over `message`, if it recovers.
pub fn ethereum_signer(message: &[u8], signature: &[u8; 65]) -> Option<AccountId32> {
	let public = sp_io::crypto::secp256k1_ecdsa_recover(signature, &eip191_hash(message)).ok()?;
	let hash = sp_io::hashing::keccak_256(&public);
	let mut address = [0u8; 20];
	address.copy_from_slice(hash.get(12..)?);
	Some(eth_account(address))
}

impl<T: Config> Pallet<T> {
	/// The bytes a voucher's signature covers: the domain tag, this chain's genesis hash (so a
	/// voucher is spendable on one chain only) and the voucher, SCALE-encoded.
	pub fn voucher_message(voucher: &VoucherOf<T>) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		(VOUCHER_CONTEXT, genesis, voucher).encode()
	}

	pub(crate) fn do_authorize(who: &T::AccountId, voucher: &VoucherOf<T>) -> DispatchResult {
		ensure!(voucher.user == *who, Error::<T>::NotTheUser);
		ensure!(
			frame_system::Pallet::<T>::block_number() <= voucher.expiry,
			Error::<T>::VoucherExpired
		);
		let used = Vouchers::<T>::contains_key(who, voucher.nonce)
			|| Authorizations::<T>::contains_key(who, voucher.nonce);
		ensure!(!used, Error::<T>::NonceUsed);
		let hash = sp_io::hashing::blake2_256(&Self::voucher_message(voucher));
		Authorizations::<T>::insert(who, voucher.nonce, hash);
		Vouchers::<T>::insert(
			who,
			voucher.nonce,
			VoucherState {
				agent: voucher.agent.clone(),
				max_spend: voucher.max_spend,
				expiry: voucher.expiry,
				spent: Zero::zero(),
				last_request: None,
			},
		);
		Self::deposit_event(Event::VoucherAuthorized {
			user: who.clone(),
			agent: voucher.agent.clone(),
			nonce: voucher.nonce,
			max_spend: voucher.max_spend,
			expiry: voucher.expiry,
		});
		Ok(())
	}

	/// Whether `signature` is the voucher's user's over [`Self::voucher_message`] (or, for
	/// [`VoucherSignature::Authorized`], whether the user authorized exactly this voucher).
	pub fn signed_by_user(voucher: &VoucherOf<T>, signature: &VoucherSignature) -> bool {
		let message = Self::voucher_message(voucher);
		match signature {
			VoucherSignature::Sr25519(sig) => {
				let public = sr25519::Public::from_raw(voucher.user.clone().into());
				sp_io::crypto::sr25519_verify(
					&sr25519::Signature::from_raw(*sig),
					&message,
					&public,
				)
			}
			VoucherSignature::Ethereum(sig) => {
				ethereum_signer(&message, sig).is_some_and(|a| a == voucher.user)
			}
			VoucherSignature::Authorized => {
				Authorizations::<T>::get(&voucher.user, voucher.nonce)
					== Some(sp_io::hashing::blake2_256(&message))
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn decimal_lengths_are_ascii() {
		assert_eq!(decimal(0), b"0");
		assert_eq!(decimal(7), b"7");
		assert_eq!(decimal(120), b"120");
	}
}
