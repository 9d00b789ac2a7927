//! The engine's own quantised matrix multiply for the GGUF types the default model uses
//! (Q4_1 projections, Q8_0 embedding/LM head).
//!
//! Why: candle picks its SIMD kernels at compile time (`cfg(target_feature = "avx2")`), so a
//! portable build — the only kind a validator binary can be — runs its scalar fallback, about
//! 5× slower than llama.cpp here. These kernels choose AVX2 at run time
//! (`is_x86_feature_detected!`), keep ggml's arithmetic (activations quantised per 32-block to
//! 8 bits, integer dot products, one scale multiply per block), and split output columns across
//! rayon's threads. Weights are repacked once at load with `f32` scales.

// SIMD intrinsics are unsafe by signature; every unsafe block is either a call to a
// `#[target_feature]` function guarded by run-time detection or an unaligned load from a slice
// whose length is checked by `chunks_exact`.
#![allow(unsafe_code)]

use candle_core::quantized::{GgmlDType, QTensor};
use rayon::prelude::*;

const QK: usize = 32;

/// The GGUF block types with a fast path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
	/// 20-byte blocks: f16 scale `d`, f16 minimum `m`, 16 bytes of nibbles (`x = d·q + m`).
	Q4_1,
	/// 34-byte blocks: f16 scale `d`, 32 signed bytes (`x = d·q`).
	Q8_0,
}

impl Kind {
	fn block_bytes(self) -> usize {
		match self {
			Kind::Q4_1 => 20,
			Kind::Q8_0 => 34,
		}
	}
}

/// A quantised matrix `[n, k]` (rows = outputs), repacked with `f32` scales (`d`, and `m` for
/// Q4_1) apart from the quants: converting f16 scales in the inner loop measured slower.
#[derive(Debug)]
pub struct QuantMatrix {
	n: usize,
	k: usize,
	kind: Kind,
	d: Vec<f32>,
	m: Vec<f32>,
	qs: Vec<u8>,
}

/// Activations quantised to 8 bits per 32-block (ggml's Q8_1: scale and scaled sum).
struct QActs {
	d: Vec<f32>,
	s: Vec<f32>,
	qs: Vec<i8>,
}

fn f16(lo: u8, hi: u8) -> f32 {
	half::f16::from_bits(u16::from_le_bytes([lo, hi])).to_f32()
}

impl QuantMatrix {
	/// Wraps a Q4_1 or Q8_0 tensor of shape `[n, k]`; `None` for other types.
	pub fn from_qtensor(t: &QTensor) -> Option<Self> {
		let (n, k) = t.shape().dims2().ok()?;
		if k % QK != 0 {
			return None;
		}
		let kind = match t.dtype() {
			GgmlDType::Q4_1 => Kind::Q4_1,
			GgmlDType::Q8_0 => Kind::Q8_0,
			_ => return None,
		};
		let data = t.data().ok()?;
		let bb = kind.block_bytes();
		let nb = n * k / QK;
		if data.len() != nb * bb {
			return None;
		}
		let mut d = Vec::with_capacity(nb);
		let mut m = Vec::new();
		let mut qs = Vec::with_capacity(nb * (bb - 2));
		for blk in data.chunks_exact(bb) {
			d.push(f16(blk[0], blk[1]));
			match kind {
				Kind::Q4_1 => {
					m.push(f16(blk[2], blk[3]));
					qs.extend_from_slice(&blk[4..20]);
				}
				Kind::Q8_0 => qs.extend_from_slice(&blk[2..34]),
			}
		}
		Some(Self { n, k, kind, d, m, qs })
	}

	/// Stacks matrices with the same type and input width into one (outputs concatenated);
	/// `None` if any is missing or they differ.
	pub fn concat(parts: &[Option<&QuantMatrix>]) -> Option<Self> {
		let first = (*parts.first()?)?;
		let mut out = Self {
			n: 0,
			k: first.k,
			kind: first.kind,
			d: Vec::new(),
			m: Vec::new(),
			qs: Vec::new(),
		};
		for p in parts {
			let p = (*p)?;
			if p.k != out.k || p.kind != out.kind {
				return None;
			}
			out.n += p.n;
			out.d.extend_from_slice(&p.d);
			out.m.extend_from_slice(&p.m);
			out.qs.extend_from_slice(&p.qs);
		}
		Some(out)
	}

	/// Output width.
	pub fn n(&self) -> usize {
		self.n
	}

	/// Input width.
	pub fn k(&self) -> usize {
		self.k
	}

	/// One output of one row.
	#[inline]
	fn dot(&self, col: usize, acts: &QActs, r: usize, simd: bool) -> f32 {
		let kb = self.k / QK;
		let qb = match self.kind {
			Kind::Q4_1 => 16,
			Kind::Q8_0 => 32,
		};
		let wd = &self.d[col * kb..(col + 1) * kb];
		let wq = &self.qs[col * kb * qb..(col + 1) * kb * qb];
		let ad = &acts.d[r * kb..(r + 1) * kb];
		let as_ = &acts.s[r * kb..(r + 1) * kb];
		let aq = &acts.qs[r * self.k..(r + 1) * self.k];
		match (self.kind, simd) {
			// SAFETY: AVX2/FMA/F16C presence checked at run time (`simd`).
			(Kind::Q4_1, true) => {
				let wm = &self.m[col * kb..(col + 1) * kb];
				unsafe { dot_q4_1_avx2(wd, wm, wq, ad, as_, aq) }
			}
			(Kind::Q4_1, false) => {
				dot_q4_1_scalar(wd, &self.m[col * kb..(col + 1) * kb], wq, ad, as_, aq)
			}
			// SAFETY: as above.
			(Kind::Q8_0, true) => unsafe { dot_q8_0_avx2(wd, wq, ad, aq) },
			(Kind::Q8_0, false) => dot_q8_0_scalar(wd, wq, ad, aq),
		}
	}

	/// One output for rows `r..r+4` (SIMD only).
	#[inline]
	fn dot4(&self, col: usize, acts: &QActs, r: usize) -> [f32; 4] {
		let kb = self.k / QK;
		let wd = &self.d[col * kb..(col + 1) * kb];
		let ad = &acts.d[r * kb..(r + 4) * kb];
		let as_ = &acts.s[r * kb..(r + 4) * kb];
		let aq = &acts.qs[r * self.k..(r + 4) * self.k];
		match self.kind {
			Kind::Q4_1 => {
				let wm = &self.m[col * kb..(col + 1) * kb];
				let wq = &self.qs[col * kb * 16..(col + 1) * kb * 16];
				// SAFETY: only called when AVX2/FMA/F16C were detected.
				unsafe { dot4_q4_1_avx2(wd, wm, wq, ad, as_, aq, kb) }
			}
			Kind::Q8_0 => {
				let wq = &self.qs[col * kb * 32..(col + 1) * kb * 32];
				// SAFETY: as above.
				unsafe { dot4_q8_0_avx2(wd, wq, ad, aq, kb) }
			}
		}
	}

	/// `y = x·Wᵀ` for `rows` rows of `x` (`[rows, k]` row-major); returns `[rows, n]`.
	pub fn matmul(&self, x: &[f32], rows: usize) -> Vec<f32> {
		self.matmul_with(x, rows, has_simd())
	}

	fn matmul_with(&self, x: &[f32], rows: usize, simd: bool) -> Vec<f32> {
		let acts = quantize_acts(x);
		// Each task computes a chunk of output columns for every row, into a column-major
		// buffer, so the weights of the chunk stay in cache across rows.
		let chunk = 32usize;
		let mut col_major = vec![0f32; self.n * rows];
		col_major.par_chunks_mut(chunk * rows).enumerate().for_each(|(ci, out)| {
			let c0 = ci * chunk;
			let cols = out.len() / rows;
			let mut r = 0;
			// Four rows at a time share each unpacked weight block.
			while simd && r + 4 <= rows {
				for c in 0..cols {
					let v = self.dot4(c0 + c, &acts, r);
					out[c * rows + r..c * rows + r + 4].copy_from_slice(&v);
				}
				r += 4;
			}
			for r in r..rows {
				for c in 0..cols {
					out[c * rows + r] = self.dot(c0 + c, &acts, r, simd);
				}
			}
		});
		if rows == 1 {
			return col_major;
		}
		let mut y = vec![0f32; rows * self.n];
		for (c, col) in col_major.chunks_exact(rows).enumerate() {
			for (r, v) in col.iter().enumerate() {
				y[r * self.n + c] = *v;
			}
		}
		y
	}
}

fn has_simd() -> bool {
	#[cfg(target_arch = "x86_64")]
	{
		std::is_x86_feature_detected!("avx2")
			&& std::is_x86_feature_detected!("fma")
			&& std::is_x86_feature_detected!("f16c")
	}
	#[cfg(not(target_arch = "x86_64"))]
	{
		false
	}
}

/// ggml's `quantize_row_q8_1`: per 32-block `d = max|x|/127`, `q = round(x/d)`, `s = d·Σq`.
fn quantize_acts(x: &[f32]) -> QActs {
	let nb = x.len() / QK;
	let mut d = Vec::with_capacity(nb);
	let mut s = Vec::with_capacity(nb);
	let mut qs = Vec::with_capacity(x.len());
	for block in x.chunks_exact(QK) {
		let amax = block.iter().fold(0f32, |a, v| a.max(v.abs()));
		let bd = amax / 127.0;
		let inv = if bd > 0.0 { 1.0 / bd } else { 0.0 };
		let mut sum = 0i32;
		for v in block {
			// Round half away from zero (C's roundf, as ggml does) without a libm call.
			let q = (v * inv + 0.5f32.copysign(*v)) as i8;
			sum += i32::from(q);
			qs.push(q);
		}
		d.push(bd);
		s.push(bd * sum as f32);
	}
	QActs { d, s, qs }
}

fn dot_q4_1_scalar(wd: &[f32], wm: &[f32], wq: &[u8], ad: &[f32], as_: &[f32], aq: &[i8]) -> f32 {
	let mut acc = 0f32;
	for b in 0..wd.len() {
		let q = &wq[b * 16..(b + 1) * 16];
		let a = &aq[b * 32..(b + 1) * 32];
		let mut isum = 0i32;
		for j in 0..16 {
			isum += i32::from(q[j] & 0x0F) * i32::from(a[j]);
			isum += i32::from(q[j] >> 4) * i32::from(a[j + 16]);
		}
		acc += wd[b] * ad[b] * isum as f32 + wm[b] * as_[b];
	}
	acc
}

fn dot_q8_0_scalar(wd: &[f32], wq: &[u8], ad: &[f32], aq: &[i8]) -> f32 {
	let mut acc = 0f32;
	for b in 0..wd.len() {
		let w = &wq[b * 32..(b + 1) * 32];
		let a = &aq[b * 32..(b + 1) * 32];
		let isum: i32 = w.iter().zip(a).map(|(w, a)| i32::from(*w as i8) * i32::from(*a)).sum();
		acc += wd[b] * ad[b] * isum as f32;
	}
	acc
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn hsum(v: std::arch::x86_64::__m256) -> f32 {
	use std::arch::x86_64::*;
	let lo = _mm256_castps256_ps128(v);
	let hi = _mm256_extractf128_ps(v, 1);
	let s = _mm_add_ps(lo, hi);
	let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	_mm_cvtss_f32(s)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn dot_q4_1_avx2(
	wd: &[f32],
	wm: &[f32],
	wq: &[u8],
	ad: &[f32],
	as_: &[f32],
	aq: &[i8],
) -> f32 {
	use std::arch::x86_64::*;
	let nb =
		wd.len().min(wm.len()).min(ad.len()).min(as_.len()).min(wq.len() / 16).min(aq.len() / 32);
	let mask = _mm_set1_epi8(0x0F);
	let ones = _mm256_set1_epi16(1);
	let mut acc = _mm256_setzero_ps();
	let mut summs = 0f32;
	for b in 0..nb {
		// SAFETY: `b < nb` keeps the 16-byte and 32-byte reads in bounds.
		let q = _mm_loadu_si128(wq.as_ptr().add(b * 16) as *const __m128i);
		let lo = _mm_and_si128(q, mask);
		let hi = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
		let wv = _mm256_set_m128i(hi, lo);
		let a = _mm256_loadu_si256(aq.as_ptr().add(b * 32) as *const __m256i);
		let prod = _mm256_madd_epi16(_mm256_maddubs_epi16(wv, a), ones);
		let scale = _mm256_set1_ps(*wd.get_unchecked(b) * *ad.get_unchecked(b));
		acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(prod), acc);
		summs += *wm.get_unchecked(b) * *as_.get_unchecked(b);
	}
	hsum(acc) + summs
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn dot_q8_0_avx2(wd: &[f32], wq: &[u8], ad: &[f32], aq: &[i8]) -> f32 {
	use std::arch::x86_64::*;
	let nb = wd.len().min(ad.len()).min(wq.len() / 32).min(aq.len() / 32);
	let ones = _mm256_set1_epi16(1);
	let mut acc = _mm256_setzero_ps();
	for b in 0..nb {
		// SAFETY: `b < nb` keeps both 32-byte reads in bounds.
		let wv = _mm256_loadu_si256(wq.as_ptr().add(b * 32) as *const __m256i);
		let a = _mm256_loadu_si256(aq.as_ptr().add(b * 32) as *const __m256i);
		let aw = _mm256_sign_epi8(wv, wv);
		let sa = _mm256_sign_epi8(a, wv);
		let prod = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sa), ones);
		let scale = _mm256_set1_ps(*wd.get_unchecked(b) * *ad.get_unchecked(b));
		acc = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(prod), acc);
	}
	hsum(acc)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
#[allow(clippy::needless_range_loop, reason = "r indexes three arrays in step")]
unsafe fn dot4_q4_1_avx2(
	wd: &[f32],
	wm: &[f32],
	wq: &[u8],
	ad: &[f32],
	as_: &[f32],
	aq: &[i8],
	kb: usize,
) -> [f32; 4] {
	use std::arch::x86_64::*;
	let nb = kb.min(wd.len()).min(wm.len()).min(wq.len() / 16);
	if ad.len() < 4 * kb || as_.len() < 4 * kb || aq.len() < 4 * kb * 32 {
		return [0.0; 4];
	}
	let mask = _mm_set1_epi8(0x0F);
	let ones = _mm256_set1_epi16(1);
	let mut acc = [_mm256_setzero_ps(); 4];
	let mut summs = [0f32; 4];
	for b in 0..nb {
		// SAFETY: `b < nb <= kb` and the activation lengths were checked above.
		let q = _mm_loadu_si128(wq.as_ptr().add(b * 16) as *const __m128i);
		let lo = _mm_and_si128(q, mask);
		let hi = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
		let wv = _mm256_set_m128i(hi, lo);
		let d = *wd.get_unchecked(b);
		let m = *wm.get_unchecked(b);
		for r in 0..4 {
			let a = _mm256_loadu_si256(aq.as_ptr().add((r * kb + b) * 32) as *const __m256i);
			let prod = _mm256_madd_epi16(_mm256_maddubs_epi16(wv, a), ones);
			let scale = _mm256_set1_ps(d * *ad.get_unchecked(r * kb + b));
			acc[r] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(prod), acc[r]);
			summs[r] += m * *as_.get_unchecked(r * kb + b);
		}
	}
	[
		hsum(acc[0]) + summs[0],
		hsum(acc[1]) + summs[1],
		hsum(acc[2]) + summs[2],
		hsum(acc[3]) + summs[3],
	]
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,f16c")]
#[allow(clippy::needless_range_loop, reason = "r indexes two arrays in step")]
unsafe fn dot4_q8_0_avx2(wd: &[f32], wq: &[u8], ad: &[f32], aq: &[i8], kb: usize) -> [f32; 4] {
	use std::arch::x86_64::*;
	let nb = kb.min(wd.len()).min(wq.len() / 32);
	if ad.len() < 4 * kb || aq.len() < 4 * kb * 32 {
		return [0.0; 4];
	}
	let ones = _mm256_set1_epi16(1);
	let mut acc = [_mm256_setzero_ps(); 4];
	for b in 0..nb {
		// SAFETY: `b < nb <= kb` and the activation lengths were checked above.
		let wv = _mm256_loadu_si256(wq.as_ptr().add(b * 32) as *const __m256i);
		let aw = _mm256_sign_epi8(wv, wv);
		let d = *wd.get_unchecked(b);
		for r in 0..4 {
			let a = _mm256_loadu_si256(aq.as_ptr().add((r * kb + b) * 32) as *const __m256i);
			let sa = _mm256_sign_epi8(a, wv);
			let prod = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sa), ones);
			let scale = _mm256_set1_ps(d * *ad.get_unchecked(r * kb + b));
			acc[r] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(prod), acc[r]);
		}
	}
	[hsum(acc[0]), hsum(acc[1]), hsum(acc[2]), hsum(acc[3])]
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn dot4_q4_1_avx2(
	_wd: &[f32],
	_wm: &[f32],
	_wq: &[u8],
	_ad: &[f32],
	_as: &[f32],
	_aq: &[i8],
	_kb: usize,
) -> [f32; 4] {
	[0.0; 4]
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn dot4_q8_0_avx2(_wd: &[f32], _wq: &[u8], _ad: &[f32], _aq: &[i8], _kb: usize) -> [f32; 4] {
	[0.0; 4]
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn dot_q4_1_avx2(
	wd: &[f32],
	wm: &[f32],
	wq: &[u8],
	ad: &[f32],
	as_: &[f32],
	aq: &[i8],
) -> f32 {
	dot_q4_1_scalar(wd, wm, wq, ad, as_, aq)
}

#[cfg(not(target_arch = "x86_64"))]
unsafe fn dot_q8_0_avx2(wd: &[f32], wq: &[u8], ad: &[f32], aq: &[i8]) -> f32 {
	dot_q8_0_scalar(wd, wq, ad, aq)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;
	use candle_core::{Device, Tensor};

	fn check(dtype: GgmlDType) {
		let (n, k, rows) = (48, 96, 7);
		let w: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 113) as f32 - 56.0) / 40.0).collect();
		let x: Vec<f32> =
			(0..rows * k).map(|i| ((i * 104_729 % 97) as f32 - 48.0) / 30.0).collect();
		let wt = Tensor::from_vec(w, (n, k), &Device::Cpu).unwrap();
		let q = QTensor::quantize(&wt, dtype).unwrap();
		let deq = q.dequantize(&Device::Cpu).unwrap();
		let xt = Tensor::from_vec(x.clone(), (rows, k), &Device::Cpu).unwrap();
		let reference: Vec<f32> =
			xt.matmul(&deq.t().unwrap()).unwrap().flatten_all().unwrap().to_vec1().unwrap();
		let m = QuantMatrix::from_qtensor(&q).unwrap();
		let ours = m.matmul(&x, rows);
		let scalar = m.matmul_with(&x, rows, false);
		// Rounding activations to 8 bits moves each by at most half its block's step, so the
		// result may differ from the exact product by at most Σ |w|·d/2 (plus float noise).
		let wv: Vec<f32> = deq.flatten_all().unwrap().to_vec1().unwrap();
		let acts = quantize_acts(&x);
		for r in 0..rows {
			for c in 0..n {
				let i = r * n + c;
				let bound: f32 = (0..k)
					.map(|j| wv[c * k + j].abs() * acts.d[(r * k + j) / QK] / 2.0)
					.sum::<f32>() + 1e-4;
				assert!((ours[i] - reference[i]).abs() <= bound, "{} vs {}", ours[i], reference[i]);
				assert!(
					(ours[i] - scalar[i]).abs() < 1e-4 * (1.0 + scalar[i].abs()),
					"simd vs scalar"
				);
			}
		}
	}

	#[test]
	fn q4_1_matches_dequantised_matmul() {
		check(GgmlDType::Q4_1);
	}

	#[test]
	fn q8_0_matches_dequantised_matmul() {
		check(GgmlDType::Q8_0);
	}
}
