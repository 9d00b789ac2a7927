//! OpenLoRA: one base model in memory, many adapters.
//!
//! - [`AdapterStore`]: content-addressed adapters on disk (`<sha256>.safetensors`); the hash is
//!   checked on every load, so a corrupted or substituted file is refused.
//! - [`AdapterCache`]: loaded adapters under a memory budget, least recently used evicted first.
//! - [`PrefixCache`]: keys and values of earlier sequences, so a prompt that starts like one of
//!   them (chat template, system prompt, earlier turns) prefills only what is new.
//! - [`Engine`]: a scheduler thread that runs every in-flight request in one batched forward
//!   pass per step — prompts (prefill) and single decode tokens side by side, each row with its
//!   own adapter — and streams tokens back over channels. Submitting never blocks, so it is
//!   safe to call from async code; results arrive on a tokio channel.
//!
//! Files: `store.rs` (the adapter store), `cache.rs` (the LRU cache), `prefix.rs` (the prefix
//! cache), `scheduler.rs` (the
//! engine and its batching loop).

mod cache;
mod prefix;
mod scheduler;
mod store;

pub use cache::*;
pub use prefix::*;
pub use scheduler::*;
pub use store::*;
