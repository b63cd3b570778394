// OpenBLAS (CBLAS) and LAPACKE, as Debian's libopenblas-dev and liblapacke-dev install them.
#ifndef INTERLINGUA_CLINEARALGEBRA_SHIM_H
#define INTERLINGUA_CLINEARALGEBRA_SHIM_H
#include <cblas.h>
#include <lapacke.h>

// OpenBLAS thread control (declared by OpenBLAS's cblas.h; re-declared here so the shim documents
// what Swift relies on).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

// glibc's malloc tuning (mallopt(3)), for HeapPolicy.swift: every block from the heap, freed memory kept.
#if defined(__GLIBC__)
#include <malloc.h>
static inline void interlingua_retain_freed_memory(void) {
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}
#else
static inline void interlingua_retain_freed_memory(void) {}
#endif
#endif
