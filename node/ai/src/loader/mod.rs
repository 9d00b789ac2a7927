//! Loading base models: GGUF files ([`gguf`], the quantised format llama.cpp uses, with the
//! tokenizer in its metadata) and Hugging Face checkpoint directories ([`hf`]).

pub mod gguf;
pub mod hf;
