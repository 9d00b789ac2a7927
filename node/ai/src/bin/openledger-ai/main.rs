//! `openledger-ai`: the AI engine from the command line (generate, tokenize, fine-tune,
//! benchmark, evaluate attribution). The benchmark and evaluation harnesses (`bench`, `eval`)
//! live here, not in the library.

// Benchmark and evaluation arithmetic on counts and timings, as in the library's kernels.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

mod bench;
mod eval;
mod report;

use std::{io::Write, path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use openledger_ai::{ChatMessage, LoraAdapter, Model, SamplingParams, TrainConfig};

#[derive(Parser)]
#[command(name = "openledger-ai", about = "OpenLedger's AI engine: generate, fine-tune, benchmark")]
struct Cli {
	/// Model file (GGUF). Defaults to the embedded SmolLM2-135M-Instruct.
	#[arg(long, global = true)]
	model: Option<PathBuf>,
	#[command(subcommand)]
	cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
	/// Answer a prompt with the model's chat template, streaming the answer.
	Generate {
		/// The user's message.
		prompt: String,
		/// A LoRA adapter (PEFT directory or safetensors file).
		#[arg(long)]
		adapter: Option<PathBuf>,
		#[arg(long, default_value_t = 128)]
		max_tokens: usize,
		/// 0 = greedy.
		#[arg(long, default_value_t = 0.0)]
		temperature: f32,
		#[arg(long, default_value_t = 1.0)]
		top_p: f32,
		#[arg(long, default_value_t = 0)]
		seed: u64,
		/// Use the prompt as raw text (no chat template).
		#[arg(long)]
		raw: bool,
	},
	/// Print the token ids of a text (special tokens parsed).
	Tokenize { text: String },
	/// Fine-tune a LoRA adapter on a corpus (JSON Lines of {"prompt","response"} or {"text"},
	/// or plain text paragraphs) and write it in PEFT layout with a training report.
	Train {
		/// Output directory (adapter_model.safetensors, adapter_config.json, report.json, and
		/// checkpoints/ with --checkpoint-every).
		#[arg(long)]
		out: PathBuf,
		/// Write the whole training state every K steps and after the last, as
		/// `checkpoints/step-NNNNNN.safetensors` (the files a ModelFactory trainer commits).
		#[arg(long)]
		checkpoint_every: Option<usize>,
		#[command(flatten)]
		run: RunArgs,
	},
	/// Replay a segment of a fine-tune from one checkpoint to the next and print how far the
	/// claimed end state is from the replay (JSON), as a ModelFactory verifier does. Exits
	/// non-zero when the distance is over the tolerance.
	Replay {
		/// The checkpoint the segment starts from (omit for the initial state).
		#[arg(long)]
		start: Option<PathBuf>,
		/// The claimed checkpoint at the segment's end.
		#[arg(long)]
		end: PathBuf,
		/// The hyper-parameters and corpus of the run, as given to `train`.
		#[command(flatten)]
		run: RunArgs,
	},
	/// Measure the engine on the real model; prints JSON lines (see scripts/bench ai).
	Bench {
		#[command(subcommand)]
		what: BenchCmd,
	},
	/// Evaluate Proof of Attribution (planted facts, noisy data, index cost); prints JSON lines
	/// (see scripts/bench attribution).
	EvalAttribution {
		#[command(subcommand)]
		what: EvalCmd,
	},
	/// Print the Markdown table of `scripts/bench ai` or `scripts/bench attribution` from the
	/// JSON lines their measurements wrote into one directory.
	Report {
		#[command(subcommand)]
		what: ReportCmd,
	},
	/// Print the five most likely next tokens after a raw text, with their logits.
	TopLogits { text: String },
}

/// A fine-tune's corpus and hyper-parameters.
#[derive(clap::Args)]
struct RunArgs {
	/// The corpus file.
	#[arg(long)]
	corpus: PathBuf,
	#[arg(long, default_value_t = 8)]
	rank: usize,
	#[arg(long, default_value_t = 16.0)]
	alpha: f32,
	/// Comma-separated PEFT module names.
	#[arg(long, default_value = "q_proj,v_proj")]
	targets: String,
	#[arg(long, default_value_t = 1e-3)]
	lr: f64,
	#[arg(long, default_value_t = 1)]
	epochs: usize,
	#[arg(long, default_value_t = 4)]
	batch_size: usize,
	#[arg(long, default_value_t = 256)]
	max_seq_len: usize,
	#[arg(long, default_value_t = 0)]
	seed: u64,
	/// Percent of examples held out for evaluation.
	#[arg(long, default_value_t = 10)]
	eval_percent: u8,
}

impl RunArgs {
	/// The examples and the engine's configuration.
	fn load(&self) -> openledger_ai::Result<(Vec<openledger_ai::Example>, TrainConfig)> {
		let examples = openledger_ai::train::read_corpus(&self.corpus)?;
		let target_modules = self
			.targets
			.split(',')
			.map(|t| {
				openledger_ai::Target::from_peft(t.trim()).ok_or_else(|| {
					openledger_ai::Error::InvalidTraining(format!("unknown target module '{t}'"))
				})
			})
			.collect::<openledger_ai::Result<Vec<_>>>()?;
		let cfg = TrainConfig {
			rank: self.rank,
			alpha: self.alpha,
			target_modules,
			learning_rate: self.lr,
			weight_decay: 0.0,
			epochs: self.epochs,
			batch_size: self.batch_size,
			max_seq_len: self.max_seq_len,
			seed: self.seed,
			eval_percent: self.eval_percent,
		};
		Ok((examples, cfg))
	}
}

fn read(path: &std::path::Path) -> openledger_ai::Result<Vec<u8>> {
	std::fs::read(path).map_err(|e| openledger_ai::Error::Io { path: path.into(), source: e })
}

fn write(path: &std::path::Path, bytes: &[u8]) -> openledger_ai::Result<()> {
	std::fs::write(path, bytes)
		.map_err(|e| openledger_ai::Error::Io { path: path.into(), source: e })
}

#[derive(Subcommand)]
enum BenchCmd {
	/// Prefill and decode tokens/s of the base model.
	Base {
		#[arg(long, default_value_t = 128)]
		decode_tokens: usize,
		#[arg(long, default_value_t = 3)]
		runs: usize,
	},
	/// Aggregate tokens/s with requests spread over 1, 8, 64, 512 distinct adapters.
	Adapters {
		#[arg(long, default_value = "1,8,64,512")]
		counts: String,
		#[arg(long, default_value_t = 512)]
		requests: usize,
		#[arg(long, default_value_t = 8)]
		new_tokens: usize,
	},
	/// Adapter cold-load latency and resident memory per adapter.
	ColdLoad {
		#[arg(long, default_value_t = 64)]
		adapters: usize,
	},
	/// Fine-tuning throughput and peak memory.
	Finetune {
		#[arg(long, default_value_t = 16)]
		examples: usize,
		#[arg(long, default_value_t = 1)]
		epochs: usize,
	},
}

#[derive(Subcommand)]
enum ReportCmd {
	/// The AI engine table from base.json, llama.json, adapters.json, cold.json, finetune.json.
	Bench {
		#[arg(long)]
		dir: PathBuf,
		/// Threads the measurements ran with (for the table's heading).
		#[arg(long, default_value_t = 1)]
		threads: usize,
	},
	/// The Proof of Attribution table from planted.json, noisy.json and cost.json.
	Attribution {
		#[arg(long)]
		dir: PathBuf,
	},
}

#[derive(Subcommand)]
enum EvalCmd {
	/// Fine-tune on N planted facts; precision@1/@5 of exact, training tier, BM25, random.
	Planted {
		#[arg(long, default_value_t = 24)]
		facts: usize,
		#[arg(long, default_value_t = 8)]
		epochs: usize,
		#[arg(long, default_value_t = 256)]
		projection_dim: usize,
	},
	/// Fine-tune with a share of corrupted answers; AUC of spotting them by influence.
	Noisy {
		#[arg(long, default_value_t = 24)]
		contributions: usize,
		#[arg(long, default_value_t = 25)]
		corrupt_percent: usize,
		#[arg(long, default_value_t = 4)]
		epochs: usize,
	},
	/// Index build time, bytes per token and query latency at the given sizes.
	Cost {
		#[arg(long, default_value = "100000,1000000,10000000")]
		tokens: String,
	},
}

fn main() -> ExitCode {
	let cli = Cli::parse();
	match run(cli) {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		}
	}
}

fn tempfile_dir() -> openledger_ai::Result<PathBuf> {
	let dir = std::env::temp_dir().join(format!("openledger-ai-bench-{}", std::process::id()));
	std::fs::create_dir_all(&dir)
		.map_err(|e| openledger_ai::Error::Io { path: dir.clone(), source: e })?;
	Ok(dir)
}

fn load(model: Option<PathBuf>) -> openledger_ai::Result<Model> {
	let path = model.unwrap_or_else(openledger_ai::default_model_path);
	Model::load_gguf(&path, &candle_core::Device::Cpu)
}

fn run(cli: Cli) -> openledger_ai::Result<()> {
	match cli.cmd {
		Cmd::Tokenize { text } => {
			let m = load(cli.model)?;
			println!("{:?}", m.tokenizer.encode(&text, true));
		}
		Cmd::Train { out, checkpoint_every, run } => {
			let m = load(cli.model)?;
			let (examples, cfg) = run.load()?;
			let dir = out.join("checkpoints");
			if checkpoint_every.is_some() {
				std::fs::create_dir_all(&dir)
					.map_err(|e| openledger_ai::Error::Io { path: dir.clone(), source: e })?;
			}
			let every = checkpoint_every.unwrap_or(1);
			let interval = move |_: usize| every;
			let mut keep = |step: usize, _: &openledger_ai::train::CheckpointId, bytes: &[u8]| {
				write(&dir.join(format!("step-{step:06}.safetensors")), bytes)
			};
			let plan = checkpoint_every.map(|_| openledger_ai::train::CheckpointPlan {
				interval: &interval,
				keep: &mut keep,
			});
			let out_run = openledger_ai::train::train_planned(&m, &examples, &cfg, plan, |p| {
				eprintln!(
					"step {}/{} epoch {} loss {:.4} {:.1} tok/s eta {:.0}s",
					p.step, p.total_steps, p.epoch, p.loss, p.tokens_per_sec, p.eta_secs
				);
			})?;
			for c in &out_run.step_checkpoints {
				println!("checkpoint after step {}: {}", c.step, openledger_ai::AdapterId(c.hash));
			}
			let (adapter, report) = (out_run.adapter, out_run.report);
			adapter.save_peft(&out, &m.config, &m.info.sha256)?;
			write(&out.join("report.json"), serde_json::to_string_pretty(&report)?.as_bytes())?;
			println!("adapter {} written to {}", adapter.id(), out.display());
			println!(
				"eval loss {:?} -> {:?}, {:.1} training tokens/s",
				report.eval_loss_before, report.eval_loss_after, report.tokens_per_sec
			);
		}
		Cmd::Replay { start, end, run } => {
			let m = load(cli.model)?;
			let (examples, cfg) = run.load()?;
			let start_bytes = start.as_deref().map(read).transpose()?;
			let began = std::time::Instant::now();
			let check = openledger_ai::train::check_segment(
				&m,
				&examples,
				&cfg,
				start_bytes.as_deref(),
				&read(&end)?,
			)?;
			let tolerance = openledger_ai::train::REPLAY_TOLERANCE;
			let pass = check.distance <= tolerance;
			let hex = |id: &[u8; 32]| openledger_ai::AdapterId(*id).to_string();
			println!(
				"{}",
				serde_json::json!({
					"start": hex(&check.start),
					"end": hex(&check.claimed),
					"steps": check.steps,
					// JSON has no infinity: a claim at another place in the data order is null
					"distance": check.distance.is_finite().then_some(check.distance),
					"tolerance": tolerance,
					"pass": pass,
					"seconds": began.elapsed().as_secs_f64(),
				})
			);
			if !pass {
				return Err(openledger_ai::Error::InvalidTraining(format!(
					"the claimed checkpoint is {} from the replay (tolerance {tolerance})",
					check.distance
				)));
			}
		}
		Cmd::Report { what: ReportCmd::Bench { dir, threads } } => report::bench(&dir, threads)?,
		Cmd::Report { what: ReportCmd::Attribution { dir } } => report::attribution(&dir)?,
		Cmd::Bench { what } => {
			let m = load(cli.model)?;
			let dir = tempfile_dir()?;
			let lines = match what {
				BenchCmd::Base { decode_tokens, runs } => {
					vec![bench::base(&m, decode_tokens, runs)?]
				}
				BenchCmd::Adapters { counts, requests, new_tokens } => {
					let counts = counts
						.split(',')
						.map(|c| c.trim().parse::<usize>())
						.collect::<Result<Vec<_>, _>>()
						.map_err(|e| {
							openledger_ai::Error::InvalidRequest(format!("--counts: {e}"))
						})?;
					if counts.contains(&0) {
						return Err(openledger_ai::Error::InvalidRequest(
							"--counts must be positive".into(),
						));
					}
					bench::adapters(std::sync::Arc::new(m), &dir, &counts, requests, new_tokens)?
				}
				BenchCmd::ColdLoad { adapters } => vec![bench::cold_load(&m, &dir, adapters)?],
				BenchCmd::Finetune { examples, epochs } => {
					vec![bench::finetune(&m, examples, epochs)?]
				}
			};
			let _ = std::fs::remove_dir_all(&dir);
			for l in lines {
				println!("{l}");
			}
		}
		Cmd::EvalAttribution { what } => {
			use openledger_ai::attribution::{exact::ExactParams, influence::InfluenceParams};
			let dir = tempfile_dir()?;
			let line = match what {
				EvalCmd::Planted { facts, epochs, projection_dim } => {
					let m = load(cli.model)?;
					let params = InfluenceParams { projection_dim, ..Default::default() };
					let (r, _) = eval::planted_facts(
						&m,
						facts,
						epochs,
						&ExactParams::default(),
						&params,
						&dir.join("index"),
					)?;
					serde_json::json!({ "eval": "planted", "result": r })
				}
				EvalCmd::Noisy { contributions, corrupt_percent, epochs } => {
					let m = load(cli.model)?;
					let r = eval::noisy_data(
						&m,
						contributions,
						corrupt_percent,
						epochs,
						&InfluenceParams::default(),
					)?;
					serde_json::json!({ "eval": "noisy", "result": r })
				}
				EvalCmd::Cost { tokens } => {
					let mut rows = Vec::new();
					for (i, t) in tokens.split(',').enumerate() {
						let t: usize = t.trim().parse().map_err(|e| {
							openledger_ai::Error::InvalidRequest(format!("--tokens: {e}"))
						})?;
						rows.push(eval::index_cost(t, 49_152, &dir.join(format!("cost-{i}")))?);
					}
					serde_json::json!({ "eval": "cost", "result": rows })
				}
			};
			let _ = std::fs::remove_dir_all(&dir);
			println!("{line}");
		}
		Cmd::TopLogits { text } => {
			let m = load(cli.model)?;
			let ids = m.tokenizer.encode(&text, true);
			let logits = m.forward_tokens(&ids, None)?;
			let mut top: Vec<(usize, f32)> = logits.iter().copied().enumerate().collect();
			top.sort_by(|a, b| b.1.total_cmp(&a.1));
			top.truncate(5);
			println!("{ids:?} {top:?}");
		}
		Cmd::Generate { prompt, adapter, max_tokens, temperature, top_p, seed, raw } => {
			let m = load(cli.model)?;
			let adapter = adapter.map(|p| LoraAdapter::load(&p, &m.config)).transpose()?;
			let text = if raw {
				prompt
			} else {
				m.tokenizer.apply_chat_template(&[ChatMessage::user(prompt)], true)
			};
			let ids = m.tokenizer.encode_prompt(&text);
			let params =
				SamplingParams { max_tokens, temperature, top_p, seed, ..Default::default() };
			let start = std::time::Instant::now();
			let g = m.generate(&ids, adapter.as_ref(), &params, |piece| {
				print!("{piece}");
				let _ = std::io::stdout().flush();
				true
			})?;
			println!();
			eprintln!(
				"[{} prompt tokens, {} generated, {:?}, {:.2}s]",
				g.prompt_tokens,
				g.tokens.len(),
				g.finish,
				start.elapsed().as_secs_f64()
			);
		}
	}
	Ok(())
}
