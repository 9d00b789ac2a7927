//! The custom governance origins of OpenLedger: each names what a referendum on its track may
//! do, and the runtime maps each to a track ([`super::tracks`]).

pub use self::pallet_custom_origins::*;

#[polkadot_sdk::frame_support::pallet]
#[allow(clippy::expect_used, reason = "in the code `#[pallet::origin]` generates")]
pub mod pallet_custom_origins {
	use crate::{currency::OPEN, Balance};
	use polkadot_sdk::frame_support::{pallet_prelude::*, traits::EnsureOrigin, DefaultNoBound};

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Origins of referenda other than Root.
	#[derive(
		PartialEq, Eq, Clone, MaxEncodedLen, Encode, Decode, DecodeWithMemTracking, TypeInfo, Debug,
	)]
	#[pallet::origin]
	pub enum Origin {
		/// Dispatches calls the technical committee whitelisted, with Root privileges.
		WhitelistedCaller,
		/// Spends from the treasury (up to [`TREASURER_MAX_SPEND`] per spend).
		Treasurer,
		/// Changes the economic parameters: the fee split, reward release, contribution slash.
		EconomicParameters,
		/// Registers and retires the base models nodes load (`pallet_models`).
		ModelRegistrar,
	}

	/// Whether this chain runs the short development tracks (blocks, not days): set at genesis by
	/// the development presets, false on production networks.
	#[pallet::storage]
	pub type FastTracks<T> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Short tracks for development chains.
		pub fast_tracks: bool,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			FastTracks::<T>::put(self.fast_tracks);
		}
	}

	/// The most one `Treasurer` referendum may spend.
	#[allow(clippy::arithmetic_side_effects, reason = "compile-time constant")]
	pub const TREASURER_MAX_SPEND: Balance = 10_000_000 * OPEN;

	macro_rules! ensure_origin {
		($name:ident, $variant:ident, $success:ty, $value:expr) => {
			#[doc = concat!("Ensures the `", stringify!($variant), "` origin.")]
			pub struct $name;
			impl<O: OriginTrait + From<Origin>> EnsureOrigin<O> for $name
			where
				O: Into<Result<Origin, O>>,
			{
				type Success = $success;
				fn try_origin(o: O) -> Result<Self::Success, O> {
					o.into().and_then(|o| match o {
						Origin::$variant => Ok($value),
						other => Err(O::from(other)),
					})
				}
				#[cfg(feature = "runtime-benchmarks")]
				fn try_successful_origin() -> Result<O, ()> {
					Ok(O::from(Origin::$variant))
				}
			}
		};
	}

	ensure_origin!(WhitelistedCaller, WhitelistedCaller, (), ());
	ensure_origin!(EconomicParameters, EconomicParameters, (), ());
	ensure_origin!(ModelRegistrar, ModelRegistrar, (), ());
	ensure_origin!(Treasurer, Treasurer, Balance, TREASURER_MAX_SPEND);
}
