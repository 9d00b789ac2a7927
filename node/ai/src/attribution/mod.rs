//! Proof of Attribution: which contributions shaped a model and an answer.
//!
//! - [`exact`]: the inference tier — maximal spans of a model output found in the tokenised
//!   training contributions with a suffix-array index; integer arithmetic only, bit-identical on
//!   every machine and thread count.
//! - [`influence`]: the training tier — TracIn over saved checkpoints with LoRA gradients
//!   projected by a seeded random ±1 matrix, normalised and quantised to integers; equal within
//!   a stated tolerance across thread counts and machines.
//! - [`bm25`]: the lexical baseline every method is measured against.
//!
//! The evaluation harness behind `scripts/bench attribution` lives in the `openledger-ai`
//! binary (`eval-attribution`), not in the library.
//!
//! Results are plain data meant for the chain, defined in `openledger-primitives` and shared
//! with the runtime: [`Attribution`] holds contribution ids with [`Perbill`] shares summing to
//! exactly 10⁹ parts per billion, sorted by contribution id, made by the integer-only
//! [`normalize_ppb`]. See `docs/proof-of-attribution.md`.

pub mod bm25;
pub mod exact;
pub mod influence;

pub use openledger_primitives::{normalize_ppb, Attribution, ContributionId, Perbill};
