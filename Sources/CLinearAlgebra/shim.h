// OpenBLAS (CBLAS) and LAPACKE, as Debian's libopenblas-dev and liblapacke-dev install them.
#ifndef INTERLINGUA_CLINEARALGEBRA_SHIM_H
#define INTERLINGUA_CLINEARALGEBRA_SHIM_H
#include <cblas.h>
#include <lapacke.h>

// OpenBLAS thread control (declared by OpenBLAS's cblas.h; re-declared here so the shim documents
// what Swift relies on).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
