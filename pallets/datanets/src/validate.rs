//! Automatic checks at submission: UTF-8 for text and tables (across chunk boundaries), known
//! magic bytes for images and audio.

use crate::types::DataKind;
use alloc::vec::Vec;

/// Why data was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
	/// Text or tabular data that is not UTF-8.
	Utf8,
	/// Image or audio data of no known format.
	Format,
}

/// Checks the first chunk of image and audio data against known formats.
pub fn first_bytes(kind: DataKind, data: &[u8]) -> Result<(), Invalid> {
	let starts = |m: &[u8]| data.starts_with(m);
	let riff = |tag: &[u8]| data.len() >= 12 && starts(b"RIFF") && data.get(8..12) == Some(tag);
	let ok = match kind {
		DataKind::Text | DataKind::Tabular => true,
		DataKind::Image => {
			starts(b"\x89PNG\r\n\x1a\n")
				|| starts(b"\xff\xd8\xff")
				|| starts(b"GIF87a")
				|| starts(b"GIF89a")
				|| riff(b"WEBP")
		}
		DataKind::Audio => {
			riff(b"WAVE")
				|| starts(b"fLaC")
				|| starts(b"OggS")
				|| starts(b"ID3")
				|| matches!(data, [0xff, b, ..] if (b & 0xe0) == 0xe0)
		}
	};
	if ok {
		Ok(())
	} else {
		Err(Invalid::Format)
	}
}

/// Checks a chunk of text or tabular data is UTF-8, given the incomplete character carried
/// from the previous chunk; returns the new carry (empty at the last chunk or an error).
pub fn utf8_chunk(
	kind: DataKind,
	carry: &[u8],
	data: &[u8],
	last: bool,
) -> Result<Vec<u8>, Invalid> {
	if !matches!(kind, DataKind::Text | DataKind::Tabular) {
		return Ok(Vec::new());
	}
	let mut buf = Vec::with_capacity(carry.len().saturating_add(data.len()));
	buf.extend_from_slice(carry);
	buf.extend_from_slice(data);
	match core::str::from_utf8(&buf) {
		Ok(_) => Ok(Vec::new()),
		Err(e) if e.error_len().is_none() && !last => {
			let tail = buf.get(e.valid_up_to()..).unwrap_or_default();
			if tail.len() <= 3 {
				Ok(tail.to_vec())
			} else {
				Err(Invalid::Utf8)
			}
		}
		Err(_) => Err(Invalid::Utf8),
	}
}
