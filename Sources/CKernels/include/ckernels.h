// The decoder block's elementwise kernels (RMSNorm, gated activations, RoPE, residual adds) and ggml's legacy
// block decoders (Q4_0 … Q8_0, used by Checkpoints) in C, so that
// each is compiled once per x86-64 level (x86-64-v4 with AVX-512, v3 with AVX2, the baseline) and the best
// one the CPU runs is picked when the library loads (clang's `target_clones`, an ELF ifunc). Swift code is
// compiled for the baseline only, which leaves these passes at SSE width on every machine.
//
// Every kernel gives the same bits in every clone and on every thread: floating-point contraction is off
// (no fused multiply-adds the other clones lack), lanes are independent, and the one reduction (a sum of
// squares) has a fixed order of 8 partial sums whatever the vector width.
#ifndef CKERNELS_H
#define CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Σ x[i]²: 8 partial sums (element i of the blocks of 8 goes to sum i mod 8), added in order from −0, then
/// the tail of count mod 8 in order: the order of the Swift kernel this replaced (a SIMD8 accumulator and
/// its `sum()`), so RMSNorm keeps its bits.
float ck_sum_of_squares(const float *x, long count);

/// RMSNorm (Zhang & Sennrich 2019) of `rows` rows of `count` elements: y = (x · r) · w with
/// r = 1 / √(Σx²/count + ε) in Float32, normalize first, then the weight (transformers' `LlamaRMSNorm`).
/// Input and output rows may alias (in place), and have their own strides.
void ck_rms_norm_rows(const float *input, long input_stride, float *output, long output_stride, long rows,
                      long count, const float *weight, float epsilon);

/// A post-norm branch joining the residual stream (Gemma 2/3, OLMo-2), row by row: residual += RMSNorm(x)
/// with `weight` as `ck_rms_norm_rows` computes it; then, when `next_weight` is not NULL, next_output ←
/// RMSNorm(residual) with it (the following pre-norm) while the row is in cache. The bits of the separate passes.
void ck_rms_norm_add_rows(const float *input, float *residual, long rows, long count, const float *weight,
                          const float *next_weight, float *next_output, float epsilon);

/// gate[i] ← act(gate[i]) · up[i] (up == NULL: act alone) for `rows` rows of `count` elements at row
/// stride `stride`. silu != 0: SiLU(x) = x·σ(x) = x / (1 + e^(−x)); else GELU-tanh
/// ½x(1 + tanh y) = x / (1 + e^(−2y)), y = √(2/π)(x + 0.044715x³). e^x is Cephes `expf` (S. L. Moshier),
/// lane by lane as `VectorExp.exp` in Swift computes it, the same bits.
void ck_gated_sigmoid_rows(int silu, float *gate, const float *up, long rows, long count, long stride);

/// RoPE (Su et al. 2021) of `heads` head vectors at x, x + head_stride, …, in place, with the position's
/// cos / sin rows of `half` = head_dim / 2 entries: pairs (x[i], x[i + half]) (GPT-NeoX, transformers'
/// `rotate_half`) or (x[2i], x[2i + 1]) when `interleaved` (GPT-J, Meta's original LLaMA):
/// x1' = x1·cos − x2·sin, x2' = x2·cos + x1·sin.
void ck_rotate_heads(float *x, long heads, long head_stride, long half, const float *cos_row,
                     const float *sin_row, int interleaved);

/// Pools rows first..<first+rows of the row-major `states` (`count` columns) into `output`: Σ w_t·h_t / Σ w_t
/// with w_t = 1 (mean) or t = 1, 2, … (`weighted`), each column summed in Double in row order from 0 and
/// rounded once to Float (`scratch`: `count` Doubles).
void ck_pool_rows(const float *states, long first, long rows, long count, int weighted, double *scratch,
                  float *output);

/// ggml's 32-weight legacy blocks (ggml-common.h `block_q4_0` …), `blocks` consecutive ones at `src` decoded to
/// 32·blocks floats at `y`, bit-exact with gguf-py's float32 `dequantize` (products rounded before sums; the
/// f16 scales widened exactly). In the 4- and 5-bit formats byte j of `qs` holds weight j in its low nibble
/// and weight j + 16 in its high nibble; in the 5-bit ones bit j of the little-endian u32 `qh` is weight j's
/// fifth bit.
/// Q4_0 — 18 bytes: `d` f16 @0 · `qs` 16 B @2; y = d·(q − 8), q ∈ 0…15.
void ck_decode_q4_0(const void *src, long blocks, float *y);
/// Q4_1 — 20 bytes: `d` f16 @0 · `m` f16 @2 · `qs` 16 B @4; y = d·q + m.
void ck_decode_q4_1(const void *src, long blocks, float *y);
/// Q5_0 — 22 bytes: `d` f16 @0 · `qh` u32 @2 · `qs` 16 B @6; y = d·(q − 16), q ∈ 0…31.
void ck_decode_q5_0(const void *src, long blocks, float *y);
/// Q5_1 — 24 bytes: `d` f16 @0 · `m` f16 @2 · `qh` u32 @4 · `qs` 16 B @8; y = d·q + m.
void ck_decode_q5_1(const void *src, long blocks, float *y);
/// Q8_0 — 34 bytes: `d` f16 @0 · `qs` 32 × i8 @2; y = q·d.
void ck_decode_q8_0(const void *src, long blocks, float *y);

/// dst[i] += src[i].
void ck_add(float *dst, const float *src, long count);

/// dst[i] *= src[i].
void ck_multiply(float *dst, const float *src, long count);

#ifdef __cplusplus
}
#endif

#endif
