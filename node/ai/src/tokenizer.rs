//! Byte-level BPE tokenizer built from a GGUF file's `tokenizer.ggml.*` metadata.
//!
//! It reproduces llama.cpp's tokenisation of the same file (`llama-vocab.cpp`, BPE session):
//! special tokens are split out first (when asked to parse them), the remaining text is
//! pre-tokenised with the regexes llama.cpp uses for the file's `tokenizer.ggml.pre` type, each
//! piece is mapped to GPT-2's byte-level alphabet and merged by rank. candle's
//! `TokenizerFromGguf` differs from llama.cpp after special tokens, so this module does not use
//! it; `tests/tokenizer_llama_cpp.rs` compares against token ids produced by llama-cpp-python.

use std::collections::HashMap;

use fancy_regex::Regex;

use crate::error::{Error, Result};

/// llama.cpp's token types (`llama_token_type` / GGUF `tokenizer.ggml.token_type`).
const TOKEN_TYPE_NORMAL: i32 = 1;
const TOKEN_TYPE_UNUSED: i32 = 5;
const TOKEN_TYPE_BYTE: i32 = 6;

/// The GPT-2 pre-tokenizer regex as llama.cpp writes it.
const GPT2_REGEX: &str =
	r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// llama-3 style pre-tokenizer (digits in groups of up to three, case-insensitive contractions).
const LLAMA3_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// A byte-level BPE tokenizer.
#[derive(Debug)]
pub struct Tokenizer {
	tokens: Vec<String>,
	token_types: Vec<i32>,
	ids: HashMap<String, u32>,
	merges: HashMap<(String, String), u32>,
	/// Special tokens' texts, longest first, with their ids.
	specials: Vec<(String, u32)>,
	pre: Vec<Regex>,
	byte_to_char: [char; 256],
	char_to_byte: HashMap<char, u8>,
	/// Beginning-of-sequence token.
	pub bos: Option<u32>,
	/// End-of-sequence token.
	pub eos: u32,
	/// Whether llama.cpp adds BOS when encoding a prompt.
	pub add_bos: bool,
	/// The model's chat template (Jinja text), if the file carries one.
	pub chat_template: Option<String>,
}

/// GPT-2's reversible map from bytes to printable characters.
fn bytes_to_unicode() -> [char; 256] {
	let mut map = ['\0'; 256];
	let mut next = 256u32;
	for (b, slot) in (0u32..).zip(map.iter_mut()) {
		let printable =
			(33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
		let code = if printable {
			b
		} else {
			let c = next;
			next = next.saturating_add(1);
			c
		};
		*slot = char::from_u32(code).unwrap_or('\u{fffd}');
	}
	map
}

impl Tokenizer {
	/// Builds the tokenizer from its parts as stored in GGUF metadata.
	#[allow(clippy::too_many_arguments, reason = "one argument per tokenizer.ggml.* key")]
	pub fn new(
		model: &str,
		pre: &str,
		tokens: Vec<String>,
		token_types: Vec<i32>,
		merges: &[String],
		bos: Option<u32>,
		eos: u32,
		add_bos: bool,
		chat_template: Option<String>,
	) -> Result<Self> {
		if model != "gpt2" {
			return Err(Error::BadTokenizer(format!(
				"tokenizer model '{model}' is not supported (only byte-level BPE, 'gpt2')"
			)));
		}
		if tokens.is_empty() {
			return Err(Error::BadTokenizer("the vocabulary is empty".into()));
		}
		if token_types.len() != tokens.len() {
			return Err(Error::BadTokenizer(format!(
				"{} token types for {} tokens",
				token_types.len(),
				tokens.len()
			)));
		}
		let n = u32::try_from(tokens.len())
			.map_err(|_| Error::BadTokenizer("vocabulary too large".into()))?;
		if eos >= n || bos.is_some_and(|b| b >= n) {
			return Err(Error::BadTokenizer("bos/eos token id outside the vocabulary".into()));
		}
		let regexes: &[&str] = match pre {
			// llama.cpp: LLAMA_VOCAB_PRE_TYPE_SMOLLM, STARCODER, REFACT, ... split digits first.
			"smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone"
			| "minerva" => &[r"\p{N}", GPT2_REGEX],
			"gpt-2" | "gpt2" | "default" | "" => &[GPT2_REGEX],
			"llama3" | "llama-bpe" | "smaug-bpe" => &[LLAMA3_REGEX],
			other => {
				return Err(Error::BadTokenizer(format!(
					"pre-tokenizer '{other}' is not supported"
				)))
			}
		};
		let pre = regexes
			.iter()
			.map(|r| Regex::new(r).map_err(|e| Error::BadTokenizer(format!("regex: {e}"))))
			.collect::<Result<Vec<_>>>()?;
		let ids = tokens.iter().zip(0u32..).map(|(t, i)| (t.clone(), i)).collect();
		let mut merge_ranks = HashMap::with_capacity(merges.len());
		for (m, rank) in merges.iter().zip(0u32..) {
			let (a, b) = m
				.split_once(' ')
				.ok_or_else(|| Error::BadTokenizer(format!("malformed merge '{m}'")))?;
			merge_ranks.entry((a.to_string(), b.to_string())).or_insert(rank);
		}
		let mut specials: Vec<(String, u32)> = tokens
			.iter()
			.zip(token_types.iter())
			.zip(0u32..)
			.filter(|((t, ty), _)| {
				**ty != TOKEN_TYPE_NORMAL
					&& **ty != TOKEN_TYPE_BYTE
					&& **ty != TOKEN_TYPE_UNUSED
					&& !t.is_empty()
			})
			.map(|((t, _), id)| (t.clone(), id))
			.collect();
		specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
		let byte_to_char = bytes_to_unicode();
		let char_to_byte = (0u8..=255).zip(byte_to_char.iter()).map(|(b, c)| (*c, b)).collect();
		Ok(Self {
			tokens,
			token_types,
			ids,
			merges: merge_ranks,
			specials,
			pre,
			byte_to_char,
			char_to_byte,
			bos,
			eos,
			add_bos,
			chat_template,
		})
	}

	/// A byte-level tokenizer with no merges for tiny test models: the 256 byte tokens, then
	/// `<|endoftext|>` (EOS), `<|im_start|>`, `<|im_end|>`, then unused padding up to
	/// `vocab_size`.
	pub fn byte_level_test_tokenizer(vocab_size: usize) -> Result<Self> {
		let mut tokens: Vec<String> = bytes_to_unicode().iter().map(|c| c.to_string()).collect();
		let mut types = vec![TOKEN_TYPE_NORMAL; 256];
		for s in ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] {
			tokens.push(s.into());
			types.push(3);
		}
		if tokens.len() > vocab_size {
			return Err(Error::BadTokenizer(format!(
				"vocab_size must be at least {}",
				tokens.len()
			)));
		}
		while tokens.len() < vocab_size {
			tokens.push(format!("<unused{}>", tokens.len()));
			types.push(TOKEN_TYPE_UNUSED);
		}
		let template = "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}";
		Self::new("gpt2", "smollm", tokens, types, &[], None, 256, false, Some(template.into()))
	}

	/// Number of tokens in the vocabulary.
	pub fn vocab_size(&self) -> usize {
		self.tokens.len()
	}

	/// A token's text as stored in the vocabulary (byte-level alphabet).
	pub fn token_text(&self, id: u32) -> &str {
		self.tokens.get(id as usize).map_or("", String::as_str)
	}

	/// The id of a token given by its exact text (for example `<|im_end|>`).
	pub fn token_id(&self, text: &str) -> Option<u32> {
		self.ids.get(text).copied()
	}

	/// Whether `id` is a control/special token (not text).
	pub fn is_special(&self, id: u32) -> bool {
		self.token_types
			.get(id as usize)
			.is_some_and(|t| *t != TOKEN_TYPE_NORMAL && *t != TOKEN_TYPE_BYTE)
	}

	/// Tokenises `text`. With `parse_special`, special-token texts such as `<|im_start|>` become
	/// their ids (use it for prompts built from the chat template); without, they are plain text
	/// (use it for user data). No BOS is added; see [`Self::encode_prompt`].
	pub fn encode(&self, text: &str, parse_special: bool) -> Vec<u32> {
		let mut out = Vec::new();
		let mut rest = text;
		while !rest.is_empty() {
			let next_special = if parse_special { self.find_special(rest) } else { None };
			match next_special {
				Some((start, len, id)) => {
					let (before, after) = rest.split_at(start);
					self.encode_fragment(before, &mut out);
					out.push(id);
					rest = after.get(len..).unwrap_or("");
				}
				None => {
					self.encode_fragment(rest, &mut out);
					rest = "";
				}
			}
		}
		out
	}

	/// Tokenises a prompt as llama.cpp does for generation: BOS first when the model asks for
	/// it, special tokens parsed.
	pub fn encode_prompt(&self, text: &str) -> Vec<u32> {
		let mut ids = Vec::new();
		if let (true, Some(bos)) = (self.add_bos, self.bos) {
			ids.push(bos);
		}
		ids.extend(self.encode(text, true));
		ids
	}

	/// Earliest special token in `text`: (byte offset, byte length, id); longest wins at a tie.
	fn find_special(&self, text: &str) -> Option<(usize, usize, u32)> {
		let mut best: Option<(usize, usize, u32)> = None;
		for (s, id) in &self.specials {
			if let Some(pos) = text.find(s.as_str()) {
				let better = match best {
					None => true,
					Some((bp, bl, _)) => pos < bp || (pos == bp && s.len() > bl),
				};
				if better {
					best = Some((pos, s.len(), *id));
				}
			}
		}
		best
	}

	/// Pre-tokenises a fragment without special tokens and appends its BPE tokens.
	fn encode_fragment(&self, text: &str, out: &mut Vec<u32>) {
		if text.is_empty() {
			return;
		}
		let mut pieces = vec![text];
		for re in &self.pre {
			let mut next = Vec::with_capacity(pieces.len());
			for piece in pieces {
				split_keep_all(re, piece, &mut next);
			}
			pieces = next;
		}
		for piece in pieces {
			self.bpe(piece, out);
		}
	}

	/// Byte-level BPE of one pre-tokenised piece.
	fn bpe(&self, piece: &str, out: &mut Vec<u32>) {
		let mapped: String = piece.bytes().map(|b| self.byte_to_char[b as usize]).collect();
		if let Some(id) = self.ids.get(&mapped) {
			out.push(*id);
			return;
		}
		let mut symbols: Vec<String> = mapped.chars().map(String::from).collect();
		loop {
			let mut best: Option<(u32, usize)> = None;
			for (i, pair) in symbols.windows(2).enumerate() {
				if let [a, b] = pair {
					if let Some(rank) = self.merges.get(&(a.clone(), b.clone())) {
						if best.is_none_or(|(r, _)| *rank < r) {
							best = Some((*rank, i));
						}
					}
				}
			}
			let Some((_, i)) = best else { break };
			if let Some(right) = symbols.get(i.saturating_add(1)).cloned() {
				if let Some(left) = symbols.get_mut(i) {
					left.push_str(&right);
				}
				symbols.remove(i.saturating_add(1));
			}
		}
		for sym in symbols {
			match self.ids.get(&sym) {
				Some(id) => out.push(*id),
				// llama.cpp falls back to one token per byte-character.
				None => {
					for c in sym.chars() {
						if let Some(id) = self.ids.get(&c.to_string()) {
							out.push(*id);
						}
					}
				}
			}
		}
	}

	/// The bytes a token stands for (special tokens yield nothing).
	pub fn token_bytes(&self, id: u32) -> Vec<u8> {
		if self.is_special(id) {
			return Vec::new();
		}
		let Some(text) = self.tokens.get(id as usize) else { return Vec::new() };
		text.chars().filter_map(|c| self.char_to_byte.get(&c).copied()).collect()
	}

	/// Decodes ids to text, skipping special tokens; invalid UTF-8 is replaced.
	pub fn decode(&self, ids: &[u32]) -> String {
		let bytes: Vec<u8> = ids.iter().flat_map(|id| self.token_bytes(*id)).collect();
		String::from_utf8_lossy(&bytes).into_owned()
	}

	/// Builds a prompt with the model's chat template. ChatML templates (SmolLM2, Qwen, ...)
	/// are rendered exactly; models without a template get the plain concatenation.
	pub fn apply_chat_template(
		&self,
		messages: &[ChatMessage],
		add_generation_prompt: bool,
	) -> String {
		let chatml = self.chat_template.as_deref().is_some_and(|t| t.contains("<|im_start|>"));
		let mut s = String::new();
		if chatml {
			let default_system = self
				.chat_template
				.as_deref()
				.and_then(default_system_prompt)
				.filter(|_| messages.first().is_none_or(|m| m.role != "system"));
			if let Some(sys) = default_system {
				s.push_str(&format!("<|im_start|>system\n{sys}<|im_end|>\n"));
			}
			for m in messages {
				s.push_str(&format!("<|im_start|>{}\n{}<|im_end|>\n", m.role, m.content));
			}
			if add_generation_prompt {
				s.push_str("<|im_start|>assistant\n");
			}
		} else {
			for m in messages {
				s.push_str(&m.content);
				s.push('\n');
			}
		}
		s
	}
}

/// The system prompt a ChatML template inserts when the conversation has none.
fn default_system_prompt(template: &str) -> Option<String> {
	let start = template.find("<|im_start|>system\n")?;
	let rest = template.get(start.saturating_add("<|im_start|>system\n".len())..)?;
	let end = rest.find("<|im_end|>")?;
	rest.get(..end).map(str::to_string)
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChatMessage {
	/// `system`, `user` or `assistant`.
	pub role: String,
	/// The message text.
	pub content: String,
}

impl ChatMessage {
	/// A user message.
	pub fn user(content: impl Into<String>) -> Self {
		Self { role: "user".into(), content: content.into() }
	}
	/// An assistant message.
	pub fn assistant(content: impl Into<String>) -> Self {
		Self { role: "assistant".into(), content: content.into() }
	}
}

/// Splits `text` by `re` keeping both the matches and the text between them (llama.cpp's
/// `unicode_regex_split` semantics).
fn split_keep_all<'a>(re: &Regex, text: &'a str, out: &mut Vec<&'a str>) {
	let mut last = 0usize;
	for m in re.find_iter(text) {
		let Ok(m) = m else { break };
		if m.start() > last {
			if let Some(gap) = text.get(last..m.start()) {
				out.push(gap);
			}
		}
		if m.end() > m.start() {
			out.push(m.as_str());
		}
		last = m.end();
	}
	if last < text.len() {
		if let Some(tail) = text.get(last..) {
			out.push(tail);
		}
	}
}

/// Turns a stream of token ids into text pieces, holding back bytes until they form complete
/// UTF-8 characters (a character may span several tokens).
#[derive(Debug, Default)]
pub struct StreamDecoder {
	pending: Vec<u8>,
}

impl StreamDecoder {
	/// Adds a token and returns the text that became complete.
	pub fn push(&mut self, tokenizer: &Tokenizer, id: u32) -> String {
		self.pending.extend(tokenizer.token_bytes(id));
		match std::str::from_utf8(&self.pending) {
			Ok(s) => {
				let s = s.to_string();
				self.pending.clear();
				s
			}
			Err(e) => {
				let valid = e.valid_up_to();
				// An invalid (not merely incomplete) sequence is emitted lossily.
				if e.error_len().is_some() {
					let s = String::from_utf8_lossy(&self.pending).into_owned();
					self.pending.clear();
					return s;
				}
				let head: Vec<u8> = self.pending.drain(..valid).collect();
				String::from_utf8_lossy(&head).into_owned()
			}
		}
	}

	/// Flushes whatever is left at the end of generation.
	pub fn finish(&mut self) -> String {
		let s = String::from_utf8_lossy(&self.pending).into_owned();
		self.pending.clear();
		s
	}
}
