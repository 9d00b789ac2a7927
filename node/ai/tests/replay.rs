//! Refereed replay across machines: a verifier's node may run another thread count or another
//! kernel path than the trainer's. A run is trained here, in this process; each segment is
//! then replayed in child processes (this test binary again) with 1 and 2 threads natively, and
//! under user-mode emulation of a CPU without AVX-512 (Haswell: AVX2 + FMA kernels) and of one
//! without AVX at all (qemu64: scalar kernels). Every replay must land within
//! [`REPLAY_TOLERANCE`] of the trainer's checkpoint; the distances are printed (`--nocapture`),
//! which is how docs/model-factory.md's tolerance was measured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::{path::Path, process::Command};

use openledger_ai::{
	train::{check_segment, train_planned, CheckpointId, CheckpointPlan, REPLAY_TOLERANCE},
	Example, LlamaConfig, Model, TrainConfig,
};

const DIR_ENV: &str = "OPENLEDGER_REPLAY_DIR";

/// A model large enough for the matrix kernels' blocked and threaded paths.
fn model() -> Model {
	let config = LlamaConfig {
		hidden_size: 256,
		intermediate_size: 512,
		num_attention_heads: 8,
		num_key_value_heads: 4,
		..LlamaConfig::tiny()
	};
	Model::tiny_random(config, 11, true).unwrap()
}

fn corpus() -> (Vec<Example>, TrainConfig) {
	let corpus = (0..12)
		.map(|i| Example::Instruction {
			prompt: format!("Which colour is crate {i}?"),
			response: format!("Crate {i} is painted {} today.", ["teal", "amber", "plum"][i % 3]),
		})
		.collect();
	let cfg = TrainConfig {
		epochs: 2,
		batch_size: 4,
		eval_percent: 0,
		max_seq_len: 96,
		learning_rate: 5e-3,
		..TrainConfig::default()
	};
	(corpus, cfg)
}

fn segment_files(dir: &Path) -> Vec<Vec<u8>> {
	let mut files = Vec::new();
	for i in 0.. {
		match std::fs::read(dir.join(format!("{i}.ckpt"))) {
			Ok(b) => files.push(b),
			Err(_) => break,
		}
	}
	files
}

/// The replaying side: prints the CPU features it runs with and each segment's distance.
#[test]
#[ignore = "a child process of honest_replays_agree_across_threads_and_kernel_paths"]
fn replay_child() {
	let dir = std::env::var(DIR_ENV).expect("run by the parent test, which sets the directory");
	let model = model();
	let (corpus, cfg) = corpus();
	#[cfg(target_arch = "x86_64")]
	println!(
		"FEATURES avx512f={} avx2={} fma={}",
		std::is_x86_feature_detected!("avx512f"),
		std::is_x86_feature_detected!("avx2"),
		std::is_x86_feature_detected!("fma")
	);
	let files = segment_files(Path::new(&dir));
	for (i, end) in files.iter().enumerate() {
		let start = i.checked_sub(1).map(|p| files[p].as_slice());
		let check = check_segment(&model, &corpus, &cfg, start, end).unwrap();
		println!("SEGMENT {i} {} {:e}", check.steps, check.distance);
	}
}

struct Replay {
	features: String,
	distances: Vec<f64>,
}

fn replay(dir: &Path, threads: u32, cpu: Option<&str>) -> Replay {
	let exe = std::env::current_exe().unwrap();
	let mut cmd = match cpu {
		None => Command::new(&exe),
		Some(cpu) => {
			let mut c = Command::new("qemu-x86_64");
			c.args(["-cpu", cpu]).arg(&exe);
			c
		}
	};
	let out = cmd
		.args(["--ignored", "--exact", "replay_child", "--nocapture", "--test-threads", "1"])
		.env(DIR_ENV, dir)
		.env("RAYON_NUM_THREADS", threads.to_string())
		.output()
		.unwrap_or_else(|e| {
			panic!("cannot run the replay (qemu-user is installed by scripts/setup): {e}")
		});
	let stdout = String::from_utf8_lossy(&out.stdout);
	assert!(
		out.status.success(),
		"replay on {cpu:?} with {threads} threads failed:\n{stdout}\n{}",
		String::from_utf8_lossy(&out.stderr)
	);
	let mut features = String::new();
	let mut distances = Vec::new();
	// libtest may print `test replay_child ... ` in front of the first line
	let tail = |line: &str, tag: &str| line.split_once(tag).map(|(_, t)| t.to_string());
	for line in stdout.lines() {
		if let Some(f) = tail(line, "FEATURES ") {
			features = f;
		} else if let Some(s) = tail(line, "SEGMENT ") {
			let d = s.split_whitespace().nth(2).unwrap();
			distances.push(d.parse().unwrap());
		}
	}
	assert!(!features.is_empty(), "no FEATURES line from the replay on {cpu:?}:\n{stdout}");
	Replay { features, distances }
}

#[test]
fn honest_replays_agree_across_threads_and_kernel_paths() {
	let dir = tempfile::tempdir().unwrap();
	let model = model();
	let (corpus, cfg) = corpus();
	let mut n = 0usize;
	let mut keep = |_: usize, _: &CheckpointId, bytes: &[u8]| {
		std::fs::write(dir.path().join(format!("{n}.ckpt")), bytes).unwrap();
		n += 1;
		Ok(())
	};
	// 12 examples, batches of 4, 2 epochs: 6 steps, checkpoints after steps 2, 4 and 6
	let plan = CheckpointPlan { interval: &|_| 2, keep: &mut keep };
	let out = train_planned(&model, &corpus, &cfg, Some(plan), |_| {}).unwrap();
	assert_eq!(out.step_checkpoints.len(), 3);
	let mut runs = vec![
		("native, 1 thread", replay(dir.path(), 1, None)),
		("native, 2 threads", replay(dir.path(), 2, None)),
	];
	if cfg!(target_arch = "x86_64") {
		let haswell = replay(dir.path(), 2, Some("Haswell"));
		assert!(
			haswell.features.contains("avx512f=false avx2=true fma=true"),
			"{}",
			haswell.features
		);
		let scalar = replay(dir.path(), 1, Some("qemu64"));
		assert!(scalar.features.contains("avx2=false fma=false"), "{}", scalar.features);
		runs.push(("emulated Haswell (AVX2, FMA), 2 threads", haswell));
		runs.push(("emulated qemu64 (scalar), 1 thread", scalar));
	}
	println!("| replay | CPU features | distance per segment (steps 1–2, 3–4, 5–6) |");
	println!("|---|---|---|");
	for (name, r) in &runs {
		let d: Vec<String> = r.distances.iter().map(|d| format!("{d:.2e}")).collect();
		println!("| {name} | {} | {} |", r.features, d.join(", "));
	}
	for (name, r) in &runs {
		assert_eq!(r.distances.len(), 3, "{name}");
		for d in &r.distances {
			assert!(*d <= REPLAY_TOLERANCE, "{name}: distance {d} over {REPLAY_TOLERANCE}");
		}
	}
}
