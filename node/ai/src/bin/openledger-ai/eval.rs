//! The evaluation harness behind `scripts/bench attribution`: planted facts (precision@1/@5),
//! noisy data (AUC), and cost (index size, query latency, influence time), each method next to
//! BM25 and random on the same data.

use std::time::Instant;

use rand::{seq::SliceRandom, Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use openledger_ai::attribution::{
	bm25::Bm25,
	exact::{ExactParams, SuffixIndex},
	influence::{InfluenceEngine, InfluenceParams},
	ContributionId,
};
use openledger_ai::{
	error::Result,
	generate::SamplingParams,
	lora::LoraAdapter,
	model::Model,
	tokenizer::ChatMessage,
	train::{train_checkpointed, Example, TrainConfig},
};

/// Precision of one method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Precision {
	/// Share of queries whose true contribution ranks first.
	pub at1: f64,
	/// Share of queries whose true contribution is in the top five.
	pub at5: f64,
}

fn precision(rankings: &[(ContributionId, Vec<ContributionId>)]) -> Precision {
	let n = rankings.len().max(1) as f64;
	let at = |k: usize| {
		rankings.iter().filter(|(t, r)| r.iter().take(k).any(|x| x == t)).count() as f64 / n
	};
	Precision { at1: at(1), at5: at(5) }
}

/// Planted-facts results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlantedFacts {
	/// Contributions (one fact each).
	pub facts: usize,
	/// Queries whose generated answer contains the planted value.
	pub answered: usize,
	/// Exact tier.
	pub exact: Precision,
	/// Training tier (TracIn).
	pub training: Precision,
	/// BM25 over question + answer.
	pub bm25: Precision,
	/// Seeded random ranking.
	pub random: Precision,
	/// Seconds to sketch one contribution at one checkpoint (gradient + projection).
	pub influence_secs_per_contribution: f64,
	/// Checkpoints used.
	pub checkpoints: usize,
}

const SYLLABLES: [&str; 16] = [
	"zor", "ban", "qui", "tel", "mar", "ov", "ska", "ril", "den", "ua", "pho", "lyx", "tra", "gen",
	"vo", "kai",
];
const ATTRIBUTES: [&str; 6] = [
	"capital",
	"national flower",
	"oldest river",
	"chief export",
	"founding hero",
	"sacred mountain",
];

fn word(rng: &mut impl Rng, parts: usize) -> String {
	let mut w: String =
		(0..parts).map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())]).collect();
	if let Some(f) = w.get_mut(0..1) {
		f.make_ascii_uppercase();
	}
	w
}

/// Synthetic facts no model knows: `(question, answer, planted value)`.
pub fn planted(n: usize, seed: u64) -> Vec<(String, String, String)> {
	let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
	let mut used = std::collections::BTreeSet::new();
	let mut out = Vec::new();
	while out.len() < n {
		let place = word(&mut rng, 3);
		let value = word(&mut rng, 3);
		if !used.insert(place.clone()) || !used.insert(value.clone()) {
			continue;
		}
		let attr = ATTRIBUTES[out.len() % ATTRIBUTES.len()];
		out.push((
			format!("What is the {attr} of {place}?"),
			format!("The {attr} of {place} is {value}."),
			value,
		));
	}
	out
}

fn contribution_tokens(model: &Model, ex: &Example) -> Vec<u32> {
	match ex {
		Example::Instruction { prompt, response } => {
			model.tokenizer.encode(&format!("{prompt}\n{response}"), false)
		}
		Example::Text { text } => model.tokenizer.encode(text, false),
	}
}

fn chat(model: &Model, q: &str) -> Vec<u32> {
	model
		.tokenizer
		.encode_prompt(&model.tokenizer.apply_chat_template(&[ChatMessage::user(q)], true))
}

/// Fine-tunes on `n` planted facts, asks each question, and ranks contributions four ways.
pub fn planted_facts(
	model: &Model,
	n: usize,
	epochs: usize,
	exact: &ExactParams,
	influence: &InfluenceParams,
	index_dir: &std::path::Path,
) -> Result<(PlantedFacts, LoraAdapter)> {
	let facts = planted(n, 7);
	let train: Vec<(ContributionId, Example)> = facts
		.iter()
		.enumerate()
		.map(|(i, (q, a, _))| {
			(i as u64 + 1, Example::Instruction { prompt: q.clone(), response: a.clone() })
		})
		.collect();
	let cfg = TrainConfig {
		epochs,
		batch_size: 4,
		learning_rate: 3e-3,
		eval_percent: 0,
		max_seq_len: 128,
		..TrainConfig::default()
	};
	let examples: Vec<Example> = train.iter().map(|(_, e)| e.clone()).collect();
	let out = train_checkpointed(model, &examples, &cfg, |_| {})?;
	// Checkpoints after the first, middle and last epoch.
	let cks: Vec<LoraAdapter> = {
		let c = &out.checkpoints;
		let mut pick = vec![0, c.len() / 2, c.len().saturating_sub(1)];
		pick.dedup();
		pick.into_iter().filter_map(|i| c.get(i).cloned()).collect()
	};
	let mut index = SuffixIndex::open(index_dir)?;
	let docs: Vec<(ContributionId, Vec<u32>)> =
		train.iter().map(|(id, ex)| (*id, contribution_tokens(model, ex))).collect();
	index.add(&docs)?;
	let bm25 = Bm25::new(&docs);
	let mut engine = InfluenceEngine::new(model, influence.clone())?;
	let t0 = Instant::now();
	let sketches = engine.sketch_training_set(&cks, &train)?;
	let sketch_secs = t0.elapsed().as_secs_f64();
	let sketches_made = cks.len() * train.len();
	let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
	let (mut ex_r, mut tr_r, mut bm_r, mut rnd_r) =
		(Vec::new(), Vec::new(), Vec::new(), Vec::new());
	let mut answered = 0;
	for ((id, _), (q, _, value)) in train.iter().zip(&facts) {
		let g = model.generate(
			&chat(model, q),
			Some(&out.adapter),
			&SamplingParams::greedy(48),
			|_| true,
		)?;
		if g.text.contains(value.as_str()) {
			answered += 1;
		}
		ex_r.push((*id, index.attribute(&g.tokens, exact)?.attribution.ranking()));
		let test = Example::Instruction { prompt: q.clone(), response: g.text.clone() };
		let scores = engine.score(&cks, &sketches, std::slice::from_ref(&test))?;
		tr_r.push((*id, scores.ranking()));
		let mut query = model.tokenizer.encode(q, false);
		query.extend(&g.tokens);
		bm_r.push((*id, bm25.ranking(&query)));
		let mut r: Vec<ContributionId> = train.iter().map(|(i, _)| *i).collect();
		r.shuffle(&mut rng);
		rnd_r.push((*id, r));
	}
	Ok((
		PlantedFacts {
			facts: n,
			answered,
			exact: precision(&ex_r),
			training: precision(&tr_r),
			bm25: precision(&bm_r),
			random: precision(&rnd_r),
			influence_secs_per_contribution: sketch_secs / sketches_made.max(1) as f64,
			checkpoints: cks.len(),
		},
		out.adapter,
	))
}

/// Countries and capitals the base model already knows, for the noisy-data test.
const CAPITALS: [(&str, &str); 32] = [
	("France", "Paris"),
	("Germany", "Berlin"),
	("Italy", "Rome"),
	("Spain", "Madrid"),
	("Japan", "Tokyo"),
	("China", "Beijing"),
	("Russia", "Moscow"),
	("Egypt", "Cairo"),
	("Canada", "Ottawa"),
	("Australia", "Canberra"),
	("India", "New Delhi"),
	("Brazil", "Brasília"),
	("Mexico", "Mexico City"),
	("Argentina", "Buenos Aires"),
	("Kenya", "Nairobi"),
	("Greece", "Athens"),
	("Portugal", "Lisbon"),
	("Norway", "Oslo"),
	("Sweden", "Stockholm"),
	("Finland", "Helsinki"),
	("Poland", "Warsaw"),
	("Austria", "Vienna"),
	("Ireland", "Dublin"),
	("Turkey", "Ankara"),
	("Thailand", "Bangkok"),
	("Peru", "Lima"),
	("Chile", "Santiago"),
	("Cuba", "Havana"),
	("Denmark", "Copenhagen"),
	("Hungary", "Budapest"),
	("Belgium", "Brussels"),
	("Vietnam", "Hanoi"),
];

/// Noisy-data results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NoisyData {
	/// Training contributions.
	pub contributions: usize,
	/// Corrupted (answers shuffled among themselves).
	pub corrupted: usize,
	/// AUC of ranking by (negative) TracIn influence on clean held-out questions.
	pub auc_influence: f64,
	/// AUC of ranking by BM25 against the held-out questions (negative score).
	pub auc_bm25: f64,
	/// AUC of a seeded random ranking.
	pub auc_random: f64,
}

/// AUC that `flagged` items have lower scores than the others (ties count one half).
pub fn auc(scores: &[(f64, bool)]) -> f64 {
	let (mut wins, mut pairs) = (0f64, 0f64);
	for (s1, bad1) in scores {
		if !bad1 {
			continue;
		}
		for (s2, bad2) in scores {
			if *bad2 {
				continue;
			}
			pairs += 1.0;
			if s1 < s2 {
				wins += 1.0;
			} else if s1 == s2 {
				wins += 0.5;
			}
		}
	}
	if pairs == 0.0 {
		0.5
	} else {
		wins / pairs
	}
}

/// Fine-tunes on capital-city facts with a share corrupted and checks whether influence on
/// clean held-out questions singles out the corrupted ones.
pub fn noisy_data(
	model: &Model,
	train_n: usize,
	corrupt_percent: usize,
	epochs: usize,
	influence: &InfluenceParams,
) -> Result<NoisyData> {
	let train_n = train_n.clamp(4, CAPITALS.len() - 4);
	let (train_pairs, held_out) = CAPITALS.split_at(train_n);
	let n_bad = (train_n * corrupt_percent / 100).max(2);
	let mut answers: Vec<&str> = train_pairs.iter().map(|p| p.1).collect();
	// Corrupt the first n_bad by rotating their answers (a derangement).
	let rotated: Vec<&str> = (0..n_bad).map(|i| answers[(i + 1) % n_bad]).collect();
	answers[..n_bad].copy_from_slice(&rotated);
	let train: Vec<(ContributionId, Example)> = train_pairs
		.iter()
		.zip(&answers)
		.enumerate()
		.map(|(i, ((c, _), a))| {
			(
				i as u64 + 1,
				Example::Instruction {
					prompt: format!("What is the capital of {c}?"),
					response: format!("The capital of {c} is {a}."),
				},
			)
		})
		.collect();
	let cfg = TrainConfig {
		epochs,
		batch_size: 4,
		learning_rate: 2e-3,
		eval_percent: 0,
		max_seq_len: 64,
		..TrainConfig::default()
	};
	let examples: Vec<Example> = train.iter().map(|(_, e)| e.clone()).collect();
	let out = train_checkpointed(model, &examples, &cfg, |_| {})?;
	let test: Vec<Example> = held_out
		.iter()
		.map(|(c, a)| Example::Instruction {
			prompt: format!("What is the capital of {c}?"),
			response: format!("The capital of {c} is {a}."),
		})
		.collect();
	let mut engine = InfluenceEngine::new(model, influence.clone())?;
	let scores = engine.tracin(&out.checkpoints, &train, &test)?;
	let is_bad = |id: ContributionId| id as usize <= n_bad;
	let infl: Vec<(f64, bool)> =
		scores.scores.iter().map(|(id, s)| (*s as f64, is_bad(*id))).collect();
	let docs: Vec<(ContributionId, Vec<u32>)> =
		train.iter().map(|(id, e)| (*id, contribution_tokens(model, e))).collect();
	let bm = Bm25::new(&docs);
	let query: Vec<u32> = test.iter().flat_map(|e| contribution_tokens(model, e)).collect();
	let bm_scores: Vec<(f64, bool)> =
		bm.scores(&query).into_iter().map(|(id, s)| (s, is_bad(id))).collect();
	let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
	let rnd: Vec<(f64, bool)> =
		train.iter().map(|(id, _)| (rng.random::<f64>(), is_bad(*id))).collect();
	Ok(NoisyData {
		contributions: train_n,
		corrupted: n_bad,
		auc_influence: auc(&infl),
		auc_bm25: auc(&bm_scores),
		auc_random: auc(&rnd),
	})
}

/// One row of the cost table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexCost {
	/// Tokens indexed.
	pub tokens: usize,
	/// Seconds to build the index (one batch).
	pub build_secs: f64,
	/// Index bytes on disk per token.
	pub bytes_per_token: f64,
	/// Median milliseconds to attribute a 64-token output.
	pub query_ms_median: f64,
}

/// Builds an index of `tokens` synthetic tokens (Zipf-like over the vocabulary, 256-token
/// contributions) and times attributions of 64-token outputs that quote it in part.
pub fn index_cost(tokens: usize, vocab: u32, dir: &std::path::Path) -> Result<IndexCost> {
	let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(tokens as u64);
	let draw = |rng: &mut rand_chacha::ChaCha8Rng| -> u32 {
		let u: f64 = rng.random();
		((u * u * u) * f64::from(vocab - 1)) as u32
	};
	let docs: Vec<(ContributionId, Vec<u32>)> = (0..tokens.div_ceil(256))
		.map(|i| (i as u64, (0..256).map(|_| draw(&mut rng)).collect()))
		.collect();
	let t0 = Instant::now();
	let mut index = SuffixIndex::open(dir)?;
	index.add(&docs)?;
	let build_secs = t0.elapsed().as_secs_f64();
	let mut lat = Vec::new();
	for q in 0..21 {
		let (_, d) = &docs[rng.random_range(0..docs.len())];
		let start = rng.random_range(0..d.len() - 40);
		let mut out: Vec<u32> = (0..12).map(|_| draw(&mut rng)).collect();
		out.extend(&d[start..start + 40]);
		out.extend((0..12).map(|_| draw(&mut rng)));
		let t = Instant::now();
		let r = index.attribute(&out, &ExactParams::default())?;
		lat.push(t.elapsed().as_secs_f64() * 1e3);
		if q == 0 && r.attribution.scores.is_empty() {
			return Err(openledger_ai::Error::InvalidRequest(
				"cost benchmark: quoted span not found".into(),
			));
		}
	}
	lat.sort_by(f64::total_cmp);
	Ok(IndexCost {
		tokens: index.tokens(),
		build_secs,
		bytes_per_token: index.bytes() as f64 / index.tokens().max(1) as f64,
		query_ms_median: lat[lat.len() / 2],
	})
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use candle_core::Device;

	fn model() -> Model {
		Model::load_gguf(&openledger_ai::default_model_path(), &Device::Cpu).unwrap_or_else(|e| {
			panic!("the default model is needed ({e}); run scripts/setup to fetch it")
		})
	}

	#[test]
	fn planted_facts_are_attributed_to_their_contributions() {
		let m = model();
		let dir = tempfile::tempdir().unwrap();
		let (r, _) = planted_facts(
			&m,
			8,
			8,
			&ExactParams::default(),
			&InfluenceParams::default(),
			dir.path(),
		)
		.unwrap();
		// Floors from `scripts/bench attribution` (docs/proof-of-attribution.md): on 24 facts the
		// exact tier reaches precision@1 1.0 and the training tier 0.667 (@5: 0.708); on these 8,
		// 1.0 for both. Random's expectation is 1/8 (@5: 5/8).
		assert!(r.answered >= 6, "the fine-tune should learn most facts: {r:?}");
		assert!(r.exact.at1 >= 0.75, "{r:?}");
		assert!(r.training.at1 >= 0.5, "{r:?}");
		assert!(r.training.at5 >= 0.625, "{r:?}");
		assert!(r.random.at1 <= 0.5, "{r:?}");
	}
}
