// ggml's 32-weight legacy blocks decoded to Float, one clone per x86-64 level (see ckernels.h).
#include "ckernels.h"
#include "clones.h"

#include <stdint.h>

typedef uint8_t vu8 __attribute__((vector_size(16)));
typedef uint32_t vu32 __attribute__((vector_size(64)));

#define BYTES16(p) ({ vu8 b_; memcpy(&b_, (p), sizeof b_); b_; })
#define FLOATS16(q) __builtin_convertvector((q), vf16)
/// Bits first … first + 15 of h, one per byte lane (0 or 1).
#define BITS16(h, first) __builtin_convertvector((((vu32){} + ((h) >> (first))) >> iota) & 1u, vu8)

static const vu32 iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/// IEEE binary16 at p (little-endian) → binary32, exactly as a conversion instruction (NaNs quieted).
static inline float half_at(const uint8_t *p) {
    const uint32_t h = (uint32_t)p[0] | (uint32_t)p[1] << 8;
    const uint32_t sign = (h & 0x8000u) << 16, magnitude = (h & 0x7FFFu) << 13;
    uint32_t bits;
    if (magnitude < 0x0F800000u) {
        float f;
        memcpy(&f, &magnitude, 4);
        f *= 0x1p112f;
        memcpy(&bits, &f, 4);
    } else {
        bits = magnitude == 0x0F800000u ? 0x7F800000u : (magnitude | 0x7FC00000u);
    }
    bits |= sign;
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

CK_CLONES void ck_decode_q4_0(const void *src, long blocks, float *y) {
    for (long b = 0; b < blocks; b++, y += 32) {
        const uint8_t *block = (const uint8_t *)src + 18 * b;
        const vf16 d = SPLAT16(half_at(block));
        const vu8 q = BYTES16(block + 2);
        STORE16(y, d * (FLOATS16(q & 0x0F) - 8));
        STORE16(y + 16, d * (FLOATS16(q >> 4) - 8));
    }
}

CK_CLONES void ck_decode_q4_1(const void *src, long blocks, float *y) {
    for (long b = 0; b < blocks; b++, y += 32) {
        const uint8_t *block = (const uint8_t *)src + 20 * b;
        const vf16 d = SPLAT16(half_at(block)), m = SPLAT16(half_at(block + 2));
        const vu8 q = BYTES16(block + 4);
        STORE16(y, d * FLOATS16(q & 0x0F) + m);
        STORE16(y + 16, d * FLOATS16(q >> 4) + m);
    }
}

CK_CLONES void ck_decode_q5_0(const void *src, long blocks, float *y) {
    for (long b = 0; b < blocks; b++, y += 32) {
        const uint8_t *block = (const uint8_t *)src + 22 * b;
        const vf16 d = SPLAT16(half_at(block));
        uint32_t h;
        memcpy(&h, block + 2, 4);
        const vu8 q = BYTES16(block + 6);
        STORE16(y, d * (FLOATS16((q & 0x0F) | (BITS16(h, 0) << 4)) - 16));
        STORE16(y + 16, d * (FLOATS16((q >> 4) | (BITS16(h, 16) << 4)) - 16));
    }
}

CK_CLONES void ck_decode_q5_1(const void *src, long blocks, float *y) {
    for (long b = 0; b < blocks; b++, y += 32) {
        const uint8_t *block = (const uint8_t *)src + 24 * b;
        const vf16 d = SPLAT16(half_at(block)), m = SPLAT16(half_at(block + 2));
        uint32_t h;
        memcpy(&h, block + 4, 4);
        const vu8 q = BYTES16(block + 8);
        STORE16(y, d * FLOATS16((q & 0x0F) | (BITS16(h, 0) << 4)) + m);
        STORE16(y + 16, d * FLOATS16((q >> 4) | (BITS16(h, 16) << 4)) + m);
    }
}

CK_CLONES void ck_decode_q8_0(const void *src, long blocks, float *y) {
    typedef int8_t vi8 __attribute__((vector_size(16)));
    for (long b = 0; b < blocks; b++, y += 32) {
        const uint8_t *block = (const uint8_t *)src + 34 * b;
        const vf16 d = SPLAT16(half_at(block));
        vi8 q0, q1;
        memcpy(&q0, block + 2, 16);
        memcpy(&q1, block + 18, 16);
        STORE16(y, __builtin_convertvector(q0, vf16) * d);
        STORE16(y + 16, __builtin_convertvector(q1, vf16) * d);
    }
}
