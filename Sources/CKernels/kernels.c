// The decoder block's elementwise kernels, one clone per x86-64 level (see ckernels.h for the contract).
#include "ckernels.h"
#include "clones.h"

#include <math.h>

typedef int vi16 __attribute__((vector_size(64)));
typedef float vf8 __attribute__((vector_size(32)));

/// mask ? a : b, lane by lane (mask lanes are all ones or all zeros, as comparisons give them).
#define SELECT16(mask, a, b) ((vf16)(((vi16)(a) & (mask)) | ((vi16)(b) & ~(mask))))

// MARK: - Reductions and RMSNorm

CK_INLINE float sum_of_squares(const float *x, long count) {
    vf8 acc = {0, 0, 0, 0, 0, 0, 0, 0};
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        vf8 v;
        memcpy(&v, x + i, sizeof v);
        acc += v * v;
    }
    float s[8];
    memcpy(s, &acc, sizeof s);
    float sum = -0.0f;
    for (int j = 0; j < 8; j++) sum += s[j];
    for (; i < count; i++) sum += x[i] * x[i];
    return sum;
}

CK_CLONES float ck_sum_of_squares(const float *x, long count) { return sum_of_squares(x, count); }

/// r = 1 / √(Σx²/count + ε), RMSNorm's scale of the row x.
CK_INLINE float inverse_rms(const float *x, long count, float epsilon) {
    float mean_square = sum_of_squares(x, count) / (float)count;
    return 1.0f / sqrtf(mean_square + epsilon);
}

/// y ← (x · r) · w, r = `inverse_rms(x)`; y may alias x.
CK_INLINE void rms_norm(const float *x, float *y, long count, const float *weight, float epsilon) {
    float inverse = inverse_rms(x, count, epsilon);
    vf16 inv = SPLAT16(inverse);
    long i = 0;
    for (; i + 16 <= count; i += 16) STORE16(y + i, (LOAD16(x + i) * inv) * LOAD16(weight + i));
    for (; i < count; i++) y[i] = (x[i] * inverse) * weight[i];
}

CK_CLONES void ck_rms_norm_rows(const float *input, long input_stride, float *output, long output_stride, long rows,
                                long count, const float *weight, float epsilon) {
    for (long r = 0; r < rows; r++) rms_norm(input + r * input_stride, output + r * output_stride, count, weight, epsilon);
}

CK_CLONES void ck_rms_norm_add_rows(const float *input, float *residual, long rows, long count, const float *weight,
                                    const float *next_weight, float *next_output, float epsilon) {
    for (long r = 0; r < rows; r++) {
        const float *x = input + r * count;
        float *h = residual + r * count;
        float inverse = inverse_rms(x, count, epsilon);
        vf16 inv = SPLAT16(inverse);
        long i = 0;
        for (; i + 16 <= count; i += 16) STORE16(h + i, LOAD16(h + i) + (LOAD16(x + i) * inv) * LOAD16(weight + i));
        for (; i < count; i++) h[i] += (x[i] * inverse) * weight[i];
        if (next_weight) rms_norm(h, next_output + r * count, count, next_weight, epsilon);
    }
}

// MARK: - Gated activations

/// e^x, Cephes `expf` lane by lane: x = n·ln 2 + r (n = round(x·log₂e) by the 1.5·2²³ shifter, ln 2 in two
/// parts so r is exact), e^r by the degree-7 polynomial, 2ⁿ as two exact powers of two; +∞ above 88.72,
/// 0 below −103.97, NaN for NaN. The operations and their order are those of Swift's `VectorExp.exp`.
CK_INLINE void exp16(vf16 *value) {
    const vf16 x = *value;
    const vf16 low = SPLAT16(-103.97208f), high = SPLAT16(88.722839f);
    vi16 below = x < low, above = x > high;
    vf16 v = SELECT16(below, low, x);
    v = SELECT16(above, high, v);
    const vf16 shifter = SPLAT16(12582912.0f);
    vf16 t = v * SPLAT16(1.44269504f) + shifter;
    vf16 n = t - shifter;
    vf16 r = v - n * SPLAT16(0.693359375f);
    r = r - n * SPLAT16(-2.1219444e-4f);
    vf16 p = SPLAT16(1.98756915e-4f);
    p = p * r + SPLAT16(1.3981999507e-3f);
    p = p * r + SPLAT16(8.3334519073e-3f);
    p = p * r + SPLAT16(4.1665795894e-2f);
    p = p * r + SPLAT16(1.6666665459e-1f);
    p = p * r + SPLAT16(5.0000001201e-1f);
    vf16 y = p * (r * r) + r + SPLAT16(1.0f);
    vi16 integer = (vi16)t - (vi16)shifter;
    vi16 half = integer >> 1, rest = integer - half;  // both in [−75, 64]: normal powers of two
    vf16 first = (vf16)((half + 127) << 23), second = (vf16)((rest + 127) << 23);
    vf16 e = (y * first) * second;
    e = SELECT16(above, SPLAT16(INFINITY), e);
    e = SELECT16(below, SPLAT16(0.0f), e);
    *value = SELECT16(x != x, x, e);
}

/// x·σ(x) (SiLU) or x·σ(2y) (GELU-tanh) lane by lane.
CK_INLINE void gated16(int silu, vf16 *value) {
    const float two_c = (float)(2.0 * sqrt(2.0 / M_PI));
    const vf16 x = *value;
    vf16 z = silu ? -x : SPLAT16(-two_c) * (x + SPLAT16(0.044715f) * x * x * x);
    exp16(&z);
    *value = x / (SPLAT16(1.0f) + z);
}

CK_CLONES void ck_gated_sigmoid_rows(int silu, float *gate, const float *up, long rows, long count, long stride) {
    for (long row = 0; row < rows; row++) {
        float *g = gate + row * stride;
        const float *u = up ? up + row * stride : NULL;
        long i = 0;
        for (; i + 16 <= count; i += 16) {
            vf16 y = LOAD16(g + i);
            gated16(silu, &y);
            if (u) y = y * LOAD16(u + i);
            STORE16(g + i, y);
        }
        if (i < count) {
            // The tail as one zero-padded block: the same lane arithmetic.
            float tail[16] = {0}, tail_up[16];
            long rest = count - i;
            for (long k = 0; k < 16; k++) tail_up[k] = 1.0f;
            memcpy(tail, g + i, (size_t)rest * sizeof(float));
            if (u) memcpy(tail_up, u + i, (size_t)rest * sizeof(float));
            vf16 y = LOAD16(tail);
            gated16(silu, &y);
            if (u) y = y * LOAD16(tail_up);
            STORE16(tail, y);
            memcpy(g + i, tail, (size_t)rest * sizeof(float));
        }
    }
}

// MARK: - RoPE

CK_CLONES void ck_rotate_heads(float *x, long heads, long head_stride, long half, const float *cos_row,
                               const float *sin_row, int interleaved) {
    for (long h = 0; h < heads; h++) {
        float *v = x + h * head_stride;
        if (interleaved) {
            for (long i = 0; i < half; i++) {
                float x1 = v[2 * i], x2 = v[2 * i + 1];
                v[2 * i] = x1 * cos_row[i] - x2 * sin_row[i];
                v[2 * i + 1] = x2 * cos_row[i] + x1 * sin_row[i];
            }
            continue;
        }
        long i = 0;
        for (; i + 16 <= half; i += 16) {
            vf16 x1 = LOAD16(v + i), x2 = LOAD16(v + i + half), c = LOAD16(cos_row + i), s = LOAD16(sin_row + i);
            STORE16(v + i, x1 * c - x2 * s);
            STORE16(v + i + half, x2 * c + x1 * s);
        }
        for (; i < half; i++) {
            float x1 = v[i], x2 = v[i + half];
            v[i] = x1 * cos_row[i] - x2 * sin_row[i];
            v[i + half] = x2 * cos_row[i] + x1 * sin_row[i];
        }
    }
}

// MARK: - Pooling

CK_CLONES void ck_pool_rows(const float *states, long first, long rows, long count, int weighted, double *scratch,
                            float *output) {
    for (long j = 0; j < count; j++) scratch[j] = 0;
    double total = 0;
    for (long r = 0; r < rows; r++) {
        const double w = weighted ? (double)(r + 1) : 1.0;
        const float *h = states + (first + r) * count;
        total += w;
        for (long j = 0; j < count; j++) scratch[j] += w * (double)h[j];
    }
    const double scale = 1 / total;
    for (long j = 0; j < count; j++) output[j] = (float)(scratch[j] * scale);
}

// MARK: - Residual stream

CK_CLONES void ck_add(float *dst, const float *src, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) STORE16(dst + i, LOAD16(dst + i) + LOAD16(src + i));
    for (; i < count; i++) dst[i] += src[i];
}

CK_CLONES void ck_multiply(float *dst, const float *src, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) STORE16(dst + i, LOAD16(dst + i) * LOAD16(src + i));
    for (; i < count; i++) dst[i] *= src[i];
}
