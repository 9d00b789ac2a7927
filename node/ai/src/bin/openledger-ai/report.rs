//! The Markdown tables of `scripts/bench ai` and `scripts/bench attribution`, printed from the
//! JSON lines the measuring commands wrote into one directory.

use std::path::Path;

use serde_json::Value;

use openledger_ai::{Error, Result};

/// The JSON values of `dir/name.json` (one per non-empty line, or one document).
fn lines(dir: &Path, name: &str) -> Result<Vec<Value>> {
	let path = dir.join(format!("{name}.json"));
	let text =
		std::fs::read_to_string(&path).map_err(|e| Error::Io { path: path.clone(), source: e })?;
	text.lines()
		.filter(|l| !l.trim().is_empty())
		.map(|l| {
			serde_json::from_str(l).map_err(|e| {
				Error::InvalidRequest(format!("{}: not JSON lines: {e}", path.display()))
			})
		})
		.collect()
}

fn first(dir: &Path, name: &str) -> Result<Value> {
	lines(dir, name)?
		.into_iter()
		.next()
		.ok_or_else(|| Error::InvalidRequest(format!("{name}.json in {} is empty", dir.display())))
}

/// A number field (missing fields read as 0, so a table never panics on an old file).
fn f(v: &Value, k: &str) -> f64 {
	v.get(k).and_then(Value::as_f64).unwrap_or(0.0)
}

fn u(v: &Value, k: &str) -> u64 {
	v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

/// `12345678` as `12,345,678`.
fn thousands(n: u64) -> String {
	let s = n.to_string();
	let mut out = String::new();
	for (i, c) in s.chars().enumerate() {
		if i > 0 && (s.len() - i).is_multiple_of(3) {
			out.push(',');
		}
		out.push(c);
	}
	out
}

fn cpu_name() -> String {
	std::fs::read_to_string("/proc/cpuinfo")
		.ok()
		.and_then(|c| {
			c.lines()
				.find(|l| l.starts_with("model name"))
				.and_then(|l| l.split_once(':'))
				.map(|(_, v)| v.trim().to_string())
		})
		.unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// The AI engine table: base model against llama-cpp-python, OpenLoRA as adapters grow,
/// adapter cold load, fine-tuning.
pub fn bench(dir: &Path, threads: usize) -> Result<()> {
	let (base, ll) = (first(dir, "base")?, first(dir, "llama")?);
	println!(
		"\nMachine: {}, {threads} threads. Model: SmolLM2-135M-Instruct Q4_1 GGUF.\n",
		cpu_name()
	);
	println!(
		"| Base model (greedy, {}-token ChatML prompt, 128 new tokens) | openledger-ai | llama-cpp-python | ratio |",
		u(&base, "prompt_tokens")
	);
	println!("|---|---:|---:|---:|");
	for (k, label) in [("prefill_tok_s", "prefill tokens/s"), ("decode_tok_s", "decode tokens/s")] {
		let (a, b) = (f(&base, k), f(&ll, k));
		println!("| {label} | {a:.1} | {b:.1} | {:.2}x |", a / b);
	}
	let ad = lines(dir, "adapters")?;
	let one = ad
		.iter()
		.find(|a| u(a, "adapters") == 1)
		.ok_or_else(|| Error::InvalidRequest("adapters.json has no 1-adapter row".into()))?;
	println!(
		"\n| OpenLoRA: {} concurrent requests, {}-token prompt + {} new tokens each | tokens/s (prompt+generated) | generated tokens/s | vs 1 adapter | most adapters in one pass |",
		u(one, "requests"),
		u(one, "prompt_tokens"),
		u(one, "new_tokens")
	);
	println!("|---|---:|---:|---:|---:|");
	for a in &ad {
		println!(
			"| {} distinct adapters (rank 8, q_proj+v_proj) | {:.1} | {:.1} | {:.2}x | {} |",
			u(a, "adapters"),
			f(a, "tok_s"),
			f(a, "generated_tok_s"),
			f(a, "tok_s") / f(one, "tok_s"),
			u(a, "max_adapters_in_pass")
		);
	}
	let c = first(dir, "cold")?;
	let mib = |b: f64| b / f64::from(1u32 << 20);
	println!("\n| Adapters (rank 8, q_proj+v_proj, 30 layers) | value |");
	println!("|---|---:|");
	println!(
		"| cold load from the store, hash checked (median of {}) | {:.2} ms |",
		u(&c, "adapters"),
		f(&c, "load_ms_median")
	);
	println!("| weights per adapter | {:.2} MiB |", mib(f(&c, "weight_bytes")));
	println!(
		"| resident memory per loaded adapter (RSS growth / adapters) | {:.2} MiB |",
		mib(f(&c, "rss_bytes_per_adapter"))
	);
	let t = first(dir, "finetune")?;
	println!(
		"\n| Fine-tuning (rank 8, q_proj+v_proj, batch 4, {} examples) | value |",
		u(&t, "examples")
	);
	println!("|---|---:|");
	println!(
		"| training tokens/s (all tokens through forward+backward) | {:.1} |",
		f(&t, "processed_tok_s")
	);
	println!("| loss-bearing tokens/s | {:.1} |", f(&t, "loss_tok_s"));
	println!(
		"| peak resident memory | {:.2} GiB |",
		f(&t, "peak_rss_bytes") / f64::from(1u32 << 30)
	);
	Ok(())
}

/// The Proof of Attribution table: planted facts, noisy data, index cost.
pub fn attribution(dir: &Path) -> Result<()> {
	let result = |name: &str| -> Result<Value> {
		first(dir, name)?
			.get("result")
			.cloned()
			.ok_or_else(|| Error::InvalidRequest(format!("{name}.json has no result")))
	};
	let (p, n, c) = (result("planted")?, result("noisy")?, result("cost")?);
	println!(
		"\nPlanted facts: {} contributions, one invented fact each; LoRA fine-tune (rank 8, q/v, 8 epochs); the fine-tuned model answered {}/{} questions with the planted value; training tier over {} checkpoints.\n",
		u(&p, "facts"),
		u(&p, "answered"),
		u(&p, "facts"),
		u(&p, "checkpoints")
	);
	println!("| method | precision@1 | precision@5 |");
	println!("|---|---:|---:|");
	for (k, label) in [
		("exact", "exact tier (suffix-array spans)"),
		("training", "training tier (TracIn, projected LoRA gradients)"),
		("bm25", "BM25 (question + answer)"),
		("random", "random"),
	] {
		let m = p.get(k).cloned().unwrap_or(Value::Null);
		println!("| {label} | {:.3} | {:.3} |", f(&m, "at1"), f(&m, "at5"));
	}
	println!(
		"\nNoisy data: {} capital-city contributions, {} with shuffled answers; ranked by influence on clean held-out questions (lowest first).\n",
		u(&n, "contributions"),
		u(&n, "corrupted")
	);
	println!("| method | AUC (corrupted ranked below clean) |");
	println!("|---|---:|");
	println!("| training tier (negative TracIn influence) | {:.3} |", f(&n, "auc_influence"));
	println!("| BM25 (negative similarity to the held-out questions) | {:.3} |", f(&n, "auc_bm25"));
	println!("| random | {:.3} |", f(&n, "auc_random"));
	println!("\n| indexed tokens | build (s) | bytes per token | query, 64-token output (ms, median of 21) |");
	println!("|---:|---:|---:|---:|");
	for r in c.as_array().map(Vec::as_slice).unwrap_or_default() {
		println!(
			"| {} | {:.2} | {:.2} | {:.3} |",
			thousands(u(r, "tokens")),
			f(r, "build_secs"),
			f(r, "bytes_per_token"),
			f(r, "query_ms_median")
		);
	}
	println!(
		"\nInfluence: {:.2} s to sketch one contribution at one checkpoint (LoRA gradient through the 135M model + projection to 256 dimensions).",
		f(&p, "influence_secs_per_contribution")
	);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::thousands;

	#[test]
	fn thousands_separators() {
		assert_eq!(thousands(0), "0");
		assert_eq!(thousands(999), "999");
		assert_eq!(thousands(100_000), "100,000");
		assert_eq!(thousands(10_000_000), "10,000,000");
	}
}
