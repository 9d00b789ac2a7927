//! Proof of Attribution on the default model: text with Unicode edge cases goes through the exact
//! tier with defined results. (That planted facts are attributed to the right contribution by
//! both tiers is tested next to the evaluation harness, in the `openledger-ai` binary's
//! `eval` module.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use candle_core::Device;
use openledger_ai::{
	attribution::exact::{ExactParams, SuffixIndex},
	Model,
};

fn model() -> Model {
	Model::load_gguf(&openledger_ai::default_model_path(), &Device::Cpu).unwrap_or_else(|e| {
		panic!("the default model is needed ({e}); run scripts/setup to fetch it")
	})
}

#[test]
fn unicode_contributions_are_matched_exactly_and_deterministically() {
	let m = model();
	let texts = [
		(1u64, "日本語のテキストは東京で書かれました。これは二番目の文です。"),
		(2, "Emoji story: 👩‍💻 wrote code, 🚀 launched it, 🇫🇷 celebrated with café au lait."),
		(3, "Combining marks: e\u{301}te\u{301} à Montre\u{301}al, naïve façade, Ελληνικά и русский."),
		(4, "Plain English text about datanets, contributors and the OPEN token on the ledger."),
	];
	let dir = tempfile::tempdir().unwrap();
	let mut idx = SuffixIndex::open(dir.path()).unwrap();
	let docs: Vec<(u64, Vec<u32>)> =
		texts.iter().map(|(id, t)| (*id, m.tokenizer.encode(t, false))).collect();
	idx.add(&docs).unwrap();
	let p = ExactParams::default();
	for (id, t) in &texts {
		// An answer quoting the middle of a contribution is credited to it alone.
		let chars: Vec<char> = t.chars().collect();
		let quote: String = chars[chars.len() / 4..chars.len() * 3 / 4].iter().collect();
		let out = m.tokenizer.encode(&format!("As the source says, {quote} — indeed."), false);
		let a = idx.attribute(&out, &p).unwrap();
		assert_eq!(a.attribution.scores.len(), 1, "{t}: {a:?}");
		assert_eq!(
			a.attribution.scores[0],
			(*id, openledger_ai::attribution::Perbill::from_parts(1_000_000_000))
		);
		let again = idx.attribute(&out, &p).unwrap();
		assert_eq!(a.attribution.to_bytes(), again.attribution.to_bytes());
	}
	// Outputs with nothing quoted, only special tokens, or broken UTF-8 pieces credit nobody.
	for out in [
		m.tokenizer.encode("Completely unrelated words about gardening tomatoes.", false),
		m.tokenizer.encode("<|im_start|><|im_end|>", true),
		m.tokenizer.encode("🙂", false),
	] {
		assert!(idx.attribute(&out, &p).unwrap().attribution.scores.is_empty());
	}
}
