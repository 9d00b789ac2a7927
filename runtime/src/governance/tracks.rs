//! Referendum tracks. Production periods are in days; a chain whose genesis sets
//! `Origins::FastTracks` (the development presets) runs the same tracks with periods of a few
//! blocks and a flat 50 % approval threshold, so a referendum completes in seconds.
#![allow(clippy::arithmetic_side_effects, reason = "compile-time constants")]

use super::origins;
use crate::{
	currency::OPEN,
	time::{DAYS, HOURS, MINUTES},
	Balance, BlockNumber, OriginCaller, RuntimeOrigin,
};
use alloc::borrow::Cow;
use pallet_referenda::{Curve, Track, TrackInfo};
use polkadot_sdk::{pallet_referenda, sp_runtime::Perbill};

/// Track ids.
pub mod id {
	/// Root: anything.
	pub const ROOT: u16 = 0;
	/// Calls the technical committee whitelisted.
	pub const WHITELISTED_CALLER: u16 = 1;
	/// Treasury spends.
	pub const TREASURER: u16 = 2;
	/// The economic parameters (tokenomics, datanets slash share).
	pub const ECONOMIC_PARAMETERS: u16 = 3;
	/// The model registry: base models validators are to load.
	pub const MODEL_REGISTRAR: u16 = 4;
}

#[allow(
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "const fn, evaluated at compile time: the loop bounds keep both indices in range"
)]
const fn name(s: &str) -> [u8; 25] {
	let mut out = [0u8; 25];
	let bytes = s.as_bytes();
	let mut i = 0;
	while i < bytes.len() && i < 25 {
		out[i] = bytes[i];
		i += 1;
	}
	out
}

const fn pct(n: u32) -> Perbill {
	Perbill::from_percent(n)
}

/// Approval falls linearly from `ceil` to `floor` over the decision period.
const fn linear(floor: u32, ceil: u32) -> Curve {
	Curve::LinearDecreasing { length: pct(100), floor: pct(floor), ceil: pct(ceil) }
}

#[allow(clippy::too_many_arguments)]
const fn track(
	id: u16,
	n: &str,
	max_deciding: u32,
	decision_deposit: Balance,
	periods: [BlockNumber; 4],
	min_approval: Curve,
	min_support: Curve,
) -> Track<u16, Balance, BlockNumber> {
	Track {
		id,
		info: TrackInfo {
			name: name(n),
			max_deciding,
			decision_deposit,
			prepare_period: periods[0],
			decision_period: periods[1],
			confirm_period: periods[2],
			min_enactment_period: periods[3],
			min_approval,
			min_support,
		},
	}
}

/// Production tracks: `[prepare, decision, confirm, min enactment]` periods.
static PRODUCTION: [Track<u16, Balance, BlockNumber>; 5] = [
	track(
		id::ROOT,
		"root",
		1,
		100_000 * OPEN,
		[2 * HOURS, 28 * DAYS, DAYS, DAYS],
		linear(50, 100),
		linear(0, 50),
	),
	track(
		id::WHITELISTED_CALLER,
		"whitelisted_caller",
		100,
		10_000 * OPEN,
		[30 * MINUTES, 28 * DAYS, 10 * MINUTES, 10 * MINUTES],
		linear(50, 100),
		linear(0, 20),
	),
	track(
		id::TREASURER,
		"treasurer",
		10,
		1_000 * OPEN,
		[2 * HOURS, 28 * DAYS, 7 * DAYS, DAYS],
		linear(50, 100),
		linear(0, 50),
	),
	track(
		id::ECONOMIC_PARAMETERS,
		"economic_parameters",
		10,
		10_000 * OPEN,
		[2 * HOURS, 14 * DAYS, DAYS, DAYS],
		linear(50, 100),
		linear(0, 25),
	),
	// A new base model makes every validator fetch and load a file, and a retirement stops
	// paid work on it: a technical decision, below Root, with time for validators to prepare.
	track(
		id::MODEL_REGISTRAR,
		"model_registrar",
		10,
		10_000 * OPEN,
		[2 * HOURS, 14 * DAYS, DAYS, 2 * DAYS],
		linear(50, 100),
		linear(0, 25),
	),
];

/// Development tracks: the same tracks, periods in blocks (one-second blocks on `--dev`),
/// approval above 50 %, any support.
static FAST: [Track<u16, Balance, BlockNumber>; 5] = [
	track(id::ROOT, "root", 1, 100 * OPEN, [2, 20, 2, 1], linear(50, 50), linear(0, 0)),
	track(
		id::WHITELISTED_CALLER,
		"whitelisted_caller",
		100,
		10 * OPEN,
		[1, 20, 1, 1],
		linear(50, 50),
		linear(0, 0),
	),
	track(id::TREASURER, "treasurer", 10, 10 * OPEN, [2, 20, 2, 1], linear(50, 50), linear(0, 0)),
	track(
		id::ECONOMIC_PARAMETERS,
		"economic_parameters",
		10,
		10 * OPEN,
		[2, 20, 2, 1],
		linear(50, 50),
		linear(0, 0),
	),
	track(
		id::MODEL_REGISTRAR,
		"model_registrar",
		10,
		10 * OPEN,
		[2, 20, 2, 1],
		linear(50, 50),
		linear(0, 0),
	),
];

/// The tracks of this chain (production or fast, by genesis).
pub struct TracksInfo;
impl pallet_referenda::TracksInfo<Balance, BlockNumber> for TracksInfo {
	type Id = u16;
	type RuntimeOrigin =
		<RuntimeOrigin as polkadot_sdk::frame_support::traits::OriginTrait>::PalletsOrigin;

	fn tracks() -> impl Iterator<Item = Cow<'static, Track<Self::Id, Balance, BlockNumber>>> {
		let set = if origins::FastTracks::<crate::Runtime>::get() { &FAST } else { &PRODUCTION };
		set.iter().map(Cow::Borrowed)
	}

	fn track_for(origin: &Self::RuntimeOrigin) -> Result<Self::Id, ()> {
		use polkadot_sdk::frame_system::RawOrigin;
		match origin {
			OriginCaller::system(RawOrigin::Root) => Ok(id::ROOT),
			OriginCaller::Origins(origins::Origin::WhitelistedCaller) => Ok(id::WHITELISTED_CALLER),
			OriginCaller::Origins(origins::Origin::Treasurer) => Ok(id::TREASURER),
			OriginCaller::Origins(origins::Origin::EconomicParameters) => {
				Ok(id::ECONOMIC_PARAMETERS)
			}
			OriginCaller::Origins(origins::Origin::ModelRegistrar) => Ok(id::MODEL_REGISTRAR),
			_ => Err(()),
		}
	}
}

/// The production tracks, for tests and docs.
pub fn production() -> &'static [Track<u16, Balance, BlockNumber>] {
	&PRODUCTION
}

/// The development tracks, for tests and docs.
pub fn fast() -> &'static [Track<u16, Balance, BlockNumber>] {
	&FAST
}
