//! The pallet's logic, by feature; calls in `lib.rs` delegate to the `do_*` functions here.

mod contribute;
mod curation;
mod datanet;
mod upload;
