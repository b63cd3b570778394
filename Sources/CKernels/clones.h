// What every CKernels source shares: no contraction, one clone per x86-64 level, 16-lane Float vectors.
#ifndef CKERNELS_CLONES_H
#define CKERNELS_CLONES_H

#include <string.h>

// No fused multiply-adds: the v3 / v4 clones must give the baseline clone's bits (and Swift's, and gguf-py's
// float32 NumPy arithmetic: products rounded before sums).
#pragma clang fp contract(off)
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) && defined(__clang__)
#define CK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CK_CLONES
#endif

#define CK_INLINE static inline __attribute__((always_inline))

/// 16 lanes: one AVX-512 register, two AVX2 registers, four SSE registers; the arithmetic is lane by lane
/// whichever it is.
typedef float vf16 __attribute__((vector_size(64)));

// Macros rather than functions: a 64-byte vector passed by value would need AVX-512's calling convention,
// which the v3 and baseline clones cannot use.
#define LOAD16(p) ({ vf16 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define STORE16(p, v) do { vf16 s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
/// x in every lane, −0 included: x − (+0) is x for every x, where 0 + x would turn −0 into +0.
#define SPLAT16(x) ((x) - (vf16){})

#endif
