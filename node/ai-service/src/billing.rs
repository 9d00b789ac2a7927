//! Paid inference at the endpoint: checking the voucher an OpenAI client sends as its API key,
//! metering what each request costs at the model's on-chain price, and keeping the usage until
//! the chain has settled it.
//!
//! - **Admission** ([`Billing::admit`]): the key must be a voucher (`olv1-…`, see
//!   [`decode_key`]) for an agent whose node key this node holds, not expired, signed by its
//!   user (checked by the runtime, cached per key). The request's worst case — its prompt and
//!   `max_tokens` at the model's price — must fit both what the voucher has left and what the
//!   user's credit has left, counting the chain's state at the best block *and* this node's
//!   unsettled usage and in-flight reservations, so concurrent requests cannot overspend. The
//!   worst case is reserved until the request ends.
//! - **Metering** ([`Ticket::finish`]): the actual prompt and completion tokens become a usage
//!   record with the next request id of the voucher, at the same cost formula the chain
//!   settles with ([`openledger_primitives::inference::cost`]).
//! - **Settlement** ([`Billing::due`]): records are offered to the runtime's offchain worker
//!   (through the `due_settlements` host function) when a settlement's worth has gathered, the
//!   oldest has waited [`SETTLE_AFTER`] blocks, or the voucher is within [`EXPIRY_MARGIN`]
//!   blocks of its expiry; a record is dropped once the chain's voucher state shows it settled.
//! - **Persistence**: the unsettled records are written to a file after every change (SCALE,
//!   written whole and renamed into place), so a restart loses no served request.
//!
//! Without a key, a node started with `--dev` serves for free; any other chain answers 401.

use std::{
	collections::{BTreeMap, HashSet},
	path::PathBuf,
	sync::{Arc, Mutex},
};

use codec::{Decode, Encode};
use openledger_ai_primitives::{DueSettlement, Usage};
use openledger_primitives::{
	inference::{cost, SignedVoucher, API_KEY_PREFIX},
	ServedModel,
};

use crate::LOG_TARGET;

/// A 32-byte account.
pub type Account = [u8; 32];
/// A voucher as the runtime encodes it (`AccountId32`, `u128` balances, `u32` blocks).
pub type ApiVoucher = SignedVoucher<Account, u128, u32>;

/// Blocks a served record waits before it is offered for settlement on its own.
pub const SETTLE_AFTER: u32 = 10;
/// Records of a voucher this close to its expiry are offered at once.
pub const EXPIRY_MARGIN: u32 = 20;
/// Blocks before records offered are offered again (while the chain has not settled them).
pub const RESEND_AFTER: u32 = 5;
/// Vouchers this close to expiry are refused: their usage could not be settled in time.
pub const ADMIT_MARGIN: u32 = 2;
/// Positive signature checks remembered (then forgotten all at once).
const SIGNATURE_CACHE: usize = 65_536;

/// The chain at one block, as far as one voucher is concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
	/// The block read.
	pub block: u32,
	/// The user's credit held.
	pub credit: u128,
	/// Taken by the voucher's settlements so far.
	pub spent: u128,
	/// The last request id settled for the voucher.
	pub last_request: Option<u64>,
}

/// A serving agent as discovery lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentListing {
	/// Its account (vouchers name it as their agent).
	pub account: Account,
	/// Its declared HTTP endpoint.
	pub endpoint: String,
	/// Its active bond, in planck.
	pub bond: u128,
	/// Strikes against it.
	pub strikes: u32,
	/// Checks of its work that passed.
	pub checks_passed: u32,
	/// Checks of its work that failed.
	pub checks_failed: u32,
}

/// What the endpoint reads from the chain (the node implements it over runtime APIs at the
/// best block).
pub trait ChainView: Send + Sync {
	/// The best block's number.
	fn best_block(&self) -> Result<u32, String>;
	/// The accounts of the agents whose node keys this node holds.
	fn agents(&self) -> Vec<Account>;
	/// Whether the voucher's signature is its user's (the runtime's check).
	fn signed_by_user(&self, v: &ApiVoucher) -> Result<bool, String>;
	/// The user's credit and the voucher's settled state, read at one block.
	fn snapshot(&self, user: &Account, nonce: u64) -> Result<Snapshot, String>;
	/// A model's price per 1,000 tokens (`None`: not registered and active).
	fn price(&self, model: &ServedModel) -> Result<Option<u128>, String>;
	/// The most completion tokens a settled record may carry.
	fn max_completion_tokens(&self) -> u32;
	/// The agents that may serve base model `base` now (registered, active, bonded, the model
	/// declared): a suspended or slashed-below-minimum agent is not listed.
	fn serving_agents(&self, _base: u64) -> Vec<AgentListing> {
		Vec::new()
	}
}

/// Why a request is not served.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
	/// HTTP 401: no key where one is needed, not a voucher, forged, expired, or for another
	/// agent.
	Unauthorized(String),
	/// HTTP 402: the voucher or the credit has not enough left.
	PaymentRequired(String),
	/// HTTP 400: the request cannot be paid for as asked (too many completion tokens).
	Invalid(String),
	/// HTTP 503: the chain could not be read.
	Unavailable(String),
}

/// The API key of a signed voucher: `olv1-` and its SCALE bytes in unpadded URL-safe base64.
pub fn encode_key(v: &ApiVoucher) -> String {
	use base64::Engine;
	format!(
		"{API_KEY_PREFIX}{}",
		base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.encode())
	)
}

/// The voucher an API key carries, or why it carries none.
pub fn decode_key(key: &str) -> Result<ApiVoucher, String> {
	use base64::Engine;
	let Some(body) = key.strip_prefix(API_KEY_PREFIX) else { return Err(not_a_voucher()) };
	let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
		.decode(body)
		.map_err(|e| format!("the voucher is not URL-safe base64: {e}"))?;
	let mut input = bytes.as_slice();
	let v =
		ApiVoucher::decode(&mut input).map_err(|e| format!("the voucher does not decode: {e}"))?;
	if !input.is_empty() {
		return Err("the voucher has trailing bytes".into());
	}
	Ok(v)
}

fn not_a_voucher() -> String {
	format!(
		"the API key is not an OpenLedger voucher (it must start with `{API_KEY_PREFIX}`; mint one with `scripts/inference voucher`)"
	)
}

/// One unsettled record.
#[derive(Clone, Debug, Encode, Decode)]
struct Record {
	usage: Usage,
	cost: u128,
	/// The best block when it was served.
	served_at: u32,
}

/// What this node keeps of one voucher.
#[derive(Clone, Debug, Encode, Decode)]
struct Entry {
	/// The key's SCALE bytes (the voucher and its signature).
	voucher: ApiVoucher,
	/// The id the next request gets.
	next_request: u64,
	/// Served, not yet seen settled.
	records: Vec<Record>,
	/// The best block it was last offered for settlement at.
	offered_at: Option<u32>,
	/// Reserved by requests in flight (not persisted: they end with the process).
	#[codec(skip)]
	reserved: u128,
}

impl Entry {
	fn unsettled(&self, last: Option<u64>) -> u128 {
		self.records
			.iter()
			.filter(|r| last.is_none_or(|l| r.usage.request > l))
			.map(|r| r.cost)
			.sum()
	}

	fn prune(&mut self, last: Option<u64>) {
		if let Some(l) = last {
			self.records.retain(|r| r.usage.request > l);
			self.next_request = self.next_request.max(l.saturating_add(1));
		}
	}
}

type Key = (Account, u64);

#[derive(Default, Encode, Decode)]
struct Ledger {
	vouchers: BTreeMap<Key, Entry>,
}

/// The endpoint's metering (see the module docs).
pub struct Billing {
	chain: Arc<dyn ChainView>,
	/// Where unsettled usage is kept across restarts (`None`: memory only, for tests).
	path: Option<PathBuf>,
	/// Serve requests without a key for free (`--dev` only).
	free_without_key: bool,
	ledger: Mutex<Ledger>,
	signatures: Mutex<HashSet<Vec<u8>>>,
}

/// How a request is paid.
pub enum Payer {
	/// Free (a `--dev` node, no key).
	Free,
	/// By a voucher: finish or drop the ticket when the request ends.
	Voucher(Ticket),
}

/// A request admitted on a voucher: its worst case is reserved until [`Ticket::finish`]
/// meters it (or the ticket is dropped, which releases the reservation).
pub struct Ticket {
	billing: Arc<Billing>,
	key: Key,
	model: ServedModel,
	price: u128,
	reserved: u128,
	done: bool,
}

impl Ticket {
	/// Meters the request: a usage record at the next request id of the voucher.
	pub fn finish(mut self, prompt_tokens: u32, prompt_hash: [u8; 32], completion: Vec<u32>) {
		self.done = true;
		let billing = self.billing.clone();
		let completion_tokens = u32::try_from(completion.len()).unwrap_or(u32::MAX);
		let amount = cost(self.price, prompt_tokens, completion_tokens).unwrap_or(u128::MAX);
		let served_at = billing.chain.best_block().unwrap_or(0);
		let mut ledger = billing.lock();
		let Some(entry) = ledger.vouchers.get_mut(&self.key) else { return };
		entry.reserved = entry.reserved.saturating_sub(self.reserved);
		if completion_tokens == 0 && prompt_tokens == 0 {
			return;
		}
		let request = entry.next_request;
		entry.next_request = request.saturating_add(1);
		let usage = Usage {
			request,
			model: self.model,
			prompt_tokens,
			completion_tokens,
			prompt_hash,
			completion,
		};
		entry.records.push(Record { usage, cost: amount, served_at });
		log::debug!(target: LOG_TARGET, "voucher {}: request {request} metered at {amount} planck", self.key.1);
		billing.persist(&ledger);
	}
}

impl Drop for Ticket {
	fn drop(&mut self) {
		if self.done {
			return;
		}
		let mut ledger = self.billing.lock();
		if let Some(entry) = ledger.vouchers.get_mut(&self.key) {
			entry.reserved = entry.reserved.saturating_sub(self.reserved);
		}
	}
}

impl Billing {
	/// Metering over `chain`, keeping unsettled usage in `path` (loaded from it when it
	/// exists).
	pub fn new(chain: Arc<dyn ChainView>, path: Option<PathBuf>, free_without_key: bool) -> Self {
		let ledger = path.as_deref().map(Self::load).unwrap_or_default();
		Self {
			chain,
			path,
			free_without_key,
			ledger: Mutex::new(ledger),
			signatures: Mutex::new(HashSet::new()),
		}
	}

	fn load(path: &std::path::Path) -> Ledger {
		let Ok(bytes) = std::fs::read(path) else { return Ledger::default() };
		match Ledger::decode(&mut bytes.as_slice()) {
			Ok(l) => {
				let n: usize = l.vouchers.values().map(|e| e.records.len()).sum();
				log::info!(target: LOG_TARGET, "{n} unsettled paid request(s) loaded from {}", path.display());
				l
			}
			Err(e) => {
				let aside = path.with_extension("unreadable");
				log::error!(target: LOG_TARGET, "{} does not decode ({e}); kept as {} and starting empty", path.display(), aside.display());
				let _ = std::fs::rename(path, aside);
				Ledger::default()
			}
		}
	}

	fn persist(&self, ledger: &Ledger) {
		let Some(path) = &self.path else { return };
		let tmp = path.with_extension("tmp");
		let written =
			std::fs::write(&tmp, ledger.encode()).and_then(|()| std::fs::rename(&tmp, path));
		if let Err(e) = written {
			log::error!(target: LOG_TARGET, "cannot write the unsettled usage to {}: {e}", path.display());
		}
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
		self.ledger.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
	}

	/// Whether requests without a key are served for free.
	pub fn free_without_key(&self) -> bool {
		self.free_without_key
	}

	/// The most completion tokens a paid request may ask for.
	pub fn max_completion_tokens(&self) -> u32 {
		self.chain.max_completion_tokens()
	}

	/// Admits a request for `model` with `prompt_tokens` and up to `max_tokens` completion
	/// tokens, paid by the bearer key `authorization` (the header's value without `Bearer `).
	pub fn admit(
		self: &Arc<Self>,
		authorization: Option<&str>,
		model: ServedModel,
		prompt_tokens: u32,
		max_tokens: u32,
	) -> Result<Payer, Refusal> {
		let key = match authorization {
			Some(k) if k.starts_with(API_KEY_PREFIX) => k,
			_ if self.free_without_key => return Ok(Payer::Free),
			None => {
				return Err(Refusal::Unauthorized(format!(
					"this endpoint is paid: send a voucher as the API key (`Authorization: Bearer {API_KEY_PREFIX}…`; mint one with `scripts/inference voucher`)"
				)))
			}
			Some(_) => return Err(Refusal::Unauthorized(not_a_voucher())),
		};
		let signed = decode_key(key).map_err(Refusal::Unauthorized)?;
		let v = &signed.voucher;
		if !self.chain.agents().contains(&v.agent) {
			return Err(Refusal::Unauthorized(format!(
				"the voucher pays agent 0x{}, which this node does not serve as",
				hex(&v.agent)
			)));
		}
		let best = self.chain.best_block().map_err(Refusal::Unavailable)?;
		if best.saturating_add(ADMIT_MARGIN) > v.expiry {
			return Err(Refusal::Unauthorized(format!(
				"the voucher expires at block {} (best block {best}): mint a new one",
				v.expiry
			)));
		}
		self.check_signature(key, &signed)?;
		let max_completion = self.chain.max_completion_tokens();
		if max_tokens > max_completion {
			return Err(Refusal::Invalid(format!(
				"max_tokens {max_tokens} is more than a paid request may generate ({max_completion})"
			)));
		}
		let price = self.chain.price(&model).map_err(Refusal::Unavailable)?.ok_or_else(|| {
			Refusal::Invalid("the model has no on-chain price (not registered and active)".into())
		})?;
		let worst = cost(price, prompt_tokens, max_tokens).unwrap_or(u128::MAX);
		let snap = self.chain.snapshot(&v.user, v.nonce).map_err(Refusal::Unavailable)?;

		let mut ledger = self.lock();
		let k = (v.user, v.nonce);
		// the user's other vouchers' unsettled usage and reservations share the credit
		let others: u128 = ledger
			.vouchers
			.range((v.user, 0)..=(v.user, u64::MAX))
			.filter(|(key, _)| **key != k)
			.map(|(_, e)| e.unsettled(None).saturating_add(e.reserved))
			.sum();
		let entry = ledger.vouchers.entry(k).or_insert_with(|| Entry {
			voucher: signed.clone(),
			next_request: 0,
			records: Vec::new(),
			offered_at: None,
			reserved: 0,
		});
		if entry.voucher != signed {
			return Err(Refusal::Unauthorized(format!(
				"voucher nonce {} is already in use with other terms",
				v.nonce
			)));
		}
		entry.prune(snap.last_request);
		let mine = entry.unsettled(snap.last_request).saturating_add(entry.reserved);
		let voucher_left = v.max_spend.saturating_sub(snap.spent).saturating_sub(mine);
		let credit_left = snap.credit.saturating_sub(mine).saturating_sub(others);
		if worst > voucher_left || worst > credit_left {
			let (what, left) = if worst > voucher_left {
				("the voucher", voucher_left)
			} else {
				("the user's inference credit", credit_left)
			};
			return Err(Refusal::PaymentRequired(format!(
				"{what} has {left} planck left; this request may cost up to {worst} planck ({prompt_tokens} prompt + {max_tokens} completion tokens at {price} planck per 1,000): mint a voucher with a higher maximum or deposit more credit"
			)));
		}
		entry.reserved = entry.reserved.saturating_add(worst);
		Ok(Payer::Voucher(Ticket {
			billing: self.clone(),
			key: k,
			model,
			price,
			reserved: worst,
			done: false,
		}))
	}

	fn check_signature(&self, key: &str, signed: &ApiVoucher) -> Result<(), Refusal> {
		let bytes = key.as_bytes().to_vec();
		let cache = || self.signatures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
		if cache().contains(&bytes) {
			return Ok(());
		}
		if !self.chain.signed_by_user(signed).map_err(Refusal::Unavailable)? {
			return Err(Refusal::Unauthorized(
				"the voucher's signature is not its user's (forged, altered, or signed for another chain)".into(),
			));
		}
		let mut c = cache();
		if c.len() >= SIGNATURE_CACHE {
			c.clear();
		}
		c.insert(bytes);
		Ok(())
	}

	/// The usage due for settlement, at most `max_records` records per voucher (see the module
	/// docs); drops what the chain has settled and what can no longer be settled.
	pub fn due(&self, max_records: u32) -> Vec<DueSettlement> {
		let Ok(best) = self.chain.best_block() else { return Vec::new() };
		let keys: Vec<Key> = self.lock().vouchers.keys().copied().collect();
		// read the chain without holding the ledger
		let states: Vec<(Key, Option<u64>)> = keys
			.into_iter()
			.filter_map(|k| Some((k, self.chain.snapshot(&k.0, k.1).ok()?.last_request)))
			.collect();
		let mut ledger = self.lock();
		let mut due = Vec::new();
		let mut changed = false;
		for (k, last) in states {
			let Some(entry) = ledger.vouchers.get_mut(&k) else { continue };
			let before = entry.records.len();
			entry.prune(last);
			let expiry = entry.voucher.voucher.expiry;
			if best > expiry && !entry.records.is_empty() {
				let lost: u128 = entry.records.iter().map(|r| r.cost).sum();
				log::warn!(target: LOG_TARGET, "voucher {} expired with {} unsettled request(s) ({lost} planck): they can no longer be settled", k.1, entry.records.len());
				entry.records.clear();
			}
			changed |= entry.records.len() != before;
			let Some(oldest) = entry.records.first().map(|r| r.served_at) else { continue };
			let full = entry.records.len() >= max_records as usize;
			let old = best >= oldest.saturating_add(SETTLE_AFTER);
			let closing = expiry <= best.saturating_add(EXPIRY_MARGIN);
			let resting = entry.offered_at.is_some_and(|at| best < at.saturating_add(RESEND_AFTER));
			if (full || old || closing) && !resting {
				entry.offered_at = Some(best);
				due.push(DueSettlement {
					voucher: entry.voucher.encode(),
					records: entry
						.records
						.iter()
						.take(max_records as usize)
						.map(|r| r.usage.clone())
						.collect(),
				});
			}
		}
		ledger.vouchers.retain(|_, e| {
			!(e.records.is_empty() && e.reserved == 0 && best > e.voucher.voucher.expiry)
		});
		if changed {
			self.persist(&ledger);
		}
		due
	}

	/// A model's price per 1,000 tokens (planck) and the agents that serve its base model, for
	/// discovery (`None` price: not registered and active, or the chain unreadable).
	pub fn listing(&self, model: ServedModel, base: u64) -> (Option<u128>, Vec<AgentListing>) {
		(self.chain.price(&model).ok().flatten(), self.chain.serving_agents(base))
	}

	/// Unsettled records and the planck they are worth, over all vouchers.
	pub fn unsettled(&self) -> (usize, u128) {
		let ledger = self.lock();
		ledger.vouchers.values().fold((0, 0), |(n, sum), e| {
			(
				n + e.records.len(),
				sum.saturating_add(e.records.iter().map(|r| r.cost).sum::<u128>()),
			)
		})
	}
}

/// Lowercase hex of `bytes`, without a prefix.
pub(crate) fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]
mod tests {
	use super::*;
	use openledger_primitives::{Voucher, VoucherSignature};

	const AGENT: Account = [2; 32];
	const USER: Account = [1; 32];

	/// The best block, the user's credit, and (spent, last request) per voucher nonce.
	type FakeState = (u32, u128, BTreeMap<u64, (u128, Option<u64>)>);

	/// A chain in memory: one agent, prices per model, credit and settled state per voucher.
	struct Fake {
		state: Mutex<FakeState>,
	}

	impl Fake {
		fn new(credit: u128) -> Arc<Self> {
			Arc::new(Self { state: Mutex::new((10, credit, BTreeMap::new())) })
		}
		fn at(&self, block: u32) {
			self.state.lock().unwrap().0 = block;
		}
		/// The chain settles `nonce` up to request `last`, taking `amount` from the credit.
		fn settle(&self, nonce: u64, last: u64, amount: u128) {
			let mut s = self.state.lock().unwrap();
			s.1 -= amount;
			let e = s.2.entry(nonce).or_default();
			e.0 += amount;
			e.1 = Some(last);
		}
	}

	impl ChainView for Fake {
		fn best_block(&self) -> Result<u32, String> {
			Ok(self.state.lock().unwrap().0)
		}
		fn agents(&self) -> Vec<Account> {
			vec![AGENT]
		}
		fn signed_by_user(&self, v: &ApiVoucher) -> Result<bool, String> {
			Ok(v.signature == VoucherSignature::Sr25519([7; 64]))
		}
		fn snapshot(&self, _: &Account, nonce: u64) -> Result<Snapshot, String> {
			let s = self.state.lock().unwrap();
			let (spent, last_request) = s.2.get(&nonce).copied().unwrap_or_default();
			Ok(Snapshot { block: s.0, credit: s.1, spent, last_request })
		}
		fn price(&self, model: &ServedModel) -> Result<Option<u128>, String> {
			Ok(match model {
				ServedModel::Base(0) => Some(1_000),
				_ => None,
			})
		}
		fn max_completion_tokens(&self) -> u32 {
			64
		}
	}

	fn key(max_spend: u128, expiry: u32, nonce: u64, sig: u8) -> String {
		encode_key(&SignedVoucher {
			voucher: Voucher { user: USER, agent: AGENT, max_spend, expiry, nonce },
			signature: VoucherSignature::Sr25519([sig; 64]),
		})
	}

	fn admit(b: &Arc<Billing>, key: Option<&str>, prompt: u32, max: u32) -> Result<Payer, Refusal> {
		b.admit(key, ServedModel::Base(0), prompt, max)
	}

	fn ticket(p: Result<Payer, Refusal>) -> Ticket {
		match p {
			Ok(Payer::Voucher(t)) => t,
			Ok(Payer::Free) => panic!("free"),
			Err(e) => panic!("refused: {e:?}"),
		}
	}

	#[test]
	fn keys_round_trip_and_garbage_is_refused() {
		let k = key(5, 100, 9, 7);
		assert!(k.starts_with("olv1-"));
		let v = decode_key(&k).expect("decodes");
		assert_eq!((v.voucher.max_spend, v.voucher.expiry, v.voucher.nonce), (5, 100, 9));
		assert!(decode_key("sk-123").is_err());
		assert!(decode_key("olv1-!!").is_err());
		assert!(decode_key(&format!("{k}AA")).is_err(), "trailing bytes");
	}

	#[test]
	fn who_may_be_served() {
		let chain = Fake::new(1_000_000);
		let paid = Arc::new(Billing::new(chain.clone(), None, false));
		let dev = Arc::new(Billing::new(chain.clone(), None, true));
		let unauthorized = |r: Result<Payer, Refusal>| matches!(r, Err(Refusal::Unauthorized(_)));
		assert!(unauthorized(admit(&paid, None, 10, 10)), "a key is needed");
		assert!(unauthorized(admit(&paid, Some("sk-abc"), 10, 10)), "not a voucher");
		assert!(matches!(admit(&dev, None, 10, 10), Ok(Payer::Free)), "--dev serves for free");
		assert!(matches!(admit(&dev, Some("sk-abc"), 10, 10), Ok(Payer::Free)));
		assert!(unauthorized(admit(&paid, Some(&key(1_000, 100, 1, 8)), 10, 10)), "forged");
		assert!(unauthorized(admit(&paid, Some(&key(1_000, 11, 1, 7)), 10, 10)), "expiring");
		let other = encode_key(&SignedVoucher {
			voucher: Voucher {
				user: USER,
				agent: [3; 32],
				max_spend: 1_000,
				expiry: 100,
				nonce: 1,
			},
			signature: VoucherSignature::Sr25519([7; 64]),
		});
		assert!(unauthorized(admit(&paid, Some(&other), 10, 10)), "another agent's voucher");
		assert!(matches!(
			admit(&paid, Some(&key(1_000, 100, 1, 7)), 10, 65),
			Err(Refusal::Invalid(_))
		));
		assert!(matches!(
			paid.admit(Some(&key(1_000, 100, 1, 7)), ServedModel::Base(5), 1, 1),
			Err(Refusal::Invalid(_))
		));
		assert!(matches!(admit(&dev, Some(&key(1_000, 100, 1, 7)), 10, 10), Ok(Payer::Voucher(_))));
	}

	#[test]
	fn reservations_keep_concurrent_requests_within_the_voucher_and_the_credit() {
		let chain = Fake::new(100);
		let b = Arc::new(Billing::new(chain.clone(), None, false));
		let k = key(50, 100, 1, 7);
		// 1,000 planck per 1,000 tokens: a 20 + 20 token request may cost 40
		let first = ticket(admit(&b, Some(&k), 20, 20));
		assert!(
			matches!(admit(&b, Some(&k), 20, 20), Err(Refusal::PaymentRequired(_))),
			"40 + 40 > 50"
		);
		// the first used 20 + 5 tokens: 25 metered, so 25 are left on the voucher
		first.finish(20, [0; 32], vec![1; 5]);
		let second = ticket(admit(&b, Some(&k), 20, 5));
		drop(second); // released unused
		assert!(matches!(admit(&b, Some(&k), 20, 6), Err(Refusal::PaymentRequired(_))), "26 > 25");
		// the credit binds across vouchers: 100 − 25 unsettled on voucher 1
		let k2 = key(1_000, 100, 2, 7);
		assert!(
			matches!(admit(&b, Some(&k2), 50, 26), Err(Refusal::PaymentRequired(_))),
			"76 > 75"
		);
		ticket(admit(&b, Some(&k2), 50, 25)).finish(50, [0; 32], vec![1; 25]);
		assert_eq!(b.unsettled(), (2, 100));
	}

	#[test]
	fn usage_is_offered_when_due_and_dropped_once_settled() {
		let chain = Fake::new(1_000_000);
		let dir = tempfile::tempdir().expect("a temporary directory");
		let path = dir.path().join("usage.scale");
		let b = Arc::new(Billing::new(chain.clone(), Some(path.clone()), false));
		let k = key(1_000_000, 100, 1, 7);
		for n in 0..3u32 {
			ticket(admit(&b, Some(&k), 10, 10)).finish(10, [n as u8; 32], vec![n; 4]);
		}
		assert!(b.due(64).is_empty(), "not full, not old, far from expiry");
		let full = b.due(2);
		assert_eq!(full.len(), 1, "two records fill a settlement of two");
		assert_eq!(full[0].records.iter().map(|r| r.request).collect::<Vec<_>>(), vec![0, 1]);
		assert!(b.due(2).is_empty(), "offered: not again for a few blocks");
		chain.at(10 + RESEND_AFTER);
		assert_eq!(b.due(2).len(), 1, "offered again while unsettled");
		// the chain settles 0 and 1 (14 planck each)
		chain.settle(1, 1, 28);
		chain.at(10 + SETTLE_AFTER);
		let old = b.due(64);
		assert_eq!(old[0].records.iter().map(|r| r.request).collect::<Vec<_>>(), vec![2]);
		assert_eq!(old[0].records[0].completion, vec![2; 4]);
		assert_eq!(b.unsettled(), (1, 14));
		// a restart keeps the unsettled record and the request numbering
		let again = Arc::new(Billing::new(chain.clone(), Some(path), false));
		assert_eq!(again.unsettled(), (1, 14));
		ticket(admit(&again, Some(&k), 10, 10)).finish(10, [9; 32], vec![9]);
		chain.at(100 - EXPIRY_MARGIN);
		let closing = again.due(64);
		assert_eq!(closing[0].records.iter().map(|r| r.request).collect::<Vec<_>>(), vec![2, 3]);
		// past its expiry, what is left can no longer be settled and is dropped
		chain.at(101);
		assert!(again.due(64).is_empty());
		assert_eq!(again.unsettled(), (0, 0));
	}
}
