//! Training examples: the corpus file formats and encoding with the chat template.

use serde::{Deserialize, Serialize};

use crate::{error::Error, error::Result, model::Model, tokenizer::ChatMessage};

/// One training example.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Example {
	/// A question and its answer; the loss covers the answer only.
	Instruction {
		/// The user's message.
		prompt: String,
		/// The assistant's answer to learn.
		response: String,
	},
	/// Plain text; the loss covers every token.
	Text {
		/// The text.
		text: String,
	},
}

/// A tokenised example: inputs, next-token targets, loss mask.
#[derive(Clone, Debug)]
/// An example as token ids with its loss mask, ready for a training step.
pub struct Encoded {
	pub input: Vec<u32>,
	pub target: Vec<u32>,
	pub mask: Vec<f32>,
}

/// Tokenises an example with the model's chat template.
/// Tokenises `ex` with the chat template, truncated to `max_seq_len` (`None` when nothing in it
/// bears loss).
pub fn encode_example(model: &Model, ex: &Example, max_seq_len: usize) -> Option<Encoded> {
	let tok = &model.tokenizer;
	let (ids, loss_from) = match ex {
		Example::Instruction { prompt, response } => {
			let prefix = tok.apply_chat_template(&[ChatMessage::user(prompt.clone())], true);
			let mut ids = tok.encode_prompt(&prefix);
			let start = ids.len();
			ids.extend(tok.encode(response, false));
			if let Some(end) = tok.token_id("<|im_end|>") {
				ids.push(end);
			} else {
				ids.push(tok.eos);
			}
			(ids, start)
		}
		Example::Text { text } => {
			let mut ids = Vec::new();
			if let (true, Some(b)) = (tok.add_bos, tok.bos) {
				ids.push(b);
			}
			ids.extend(tok.encode(text, false));
			(ids, 1)
		}
	};
	let ids: Vec<u32> = ids.into_iter().take(max_seq_len + 1).collect();
	if ids.len() < 2 || loss_from >= ids.len() {
		return None;
	}
	let input = ids[..ids.len() - 1].to_vec();
	let target = ids[1..].to_vec();
	// Target i is token i+1; it is trained when token i+1 is at or after `loss_from`.
	let mask = (0..target.len()).map(|i| if i + 1 >= loss_from { 1.0 } else { 0.0 }).collect();
	Some(Encoded { input, target, mask })
}

/// Reads a corpus file: JSON Lines, each line `{"prompt": ..., "response": ...}` or
/// `{"text": ...}`; a file that is not JSON Lines is taken as plain text, one example per
/// blank-line-separated paragraph.
pub fn read_corpus(path: &std::path::Path) -> Result<Vec<Example>> {
	let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
	let looks_json = text.trim_start().starts_with('{');
	if looks_json {
		text.lines()
			.enumerate()
			.filter(|(_, l)| !l.trim().is_empty())
			.map(|(i, l)| {
				serde_json::from_str::<Example>(l).map_err(|e| {
					Error::InvalidTraining(format!("{}: line {}: {e}", path.display(), i + 1))
				})
			})
			.collect()
	} else {
		Ok(text
			.split("\n\n")
			.map(str::trim)
			.filter(|p| !p.is_empty())
			.map(|p| Example::Text { text: p.to_string() })
			.collect())
	}
}
