#pragma once
/* OpenBLAS CBLAS interface plus its thread controls (openblas_set_num_threads, openblas_get_corename). */
#include <cblas.h>
#include <stdlib.h>

/* LAPACK's symmetric eigensolver (divide and conquer), Fortran ABI as exported by Debian's libopenblas; no
   header ships it. gfortran appends the hidden lengths of the two CHARACTER arguments. */
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w, float *work,
             const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len, size_t uplo_len);

/* All eigenvalues (ascending, into w[n]) and eigenvectors of the symmetric n×n matrix a (column-major, lower
   triangle read; for a symmetric matrix row-major is the same). On return column j of a (row j read row-major) is
   the unit eigenvector of w[j]. Returns LAPACK's info (0 = success, < 0 bad argument, > 0 no convergence) or -1000
   when the workspace could not be allocated. */
static inline int camsift_ssyevd(int n, float *a, float *w) {
    char jobz = 'V', uplo = 'L';
    int lwork = -1, liwork = -1, info = 0, iworkQuery = 0;
    float workQuery = 0;
    ssyevd_(&jobz, &uplo, &n, a, &n, w, &workQuery, &lwork, &iworkQuery, &liwork, &info, 1, 1);
    if (info != 0) return info;
    lwork = (int)workQuery + 1;
    liwork = iworkQuery;
    float *work = (float *)malloc(sizeof(float) * (size_t)lwork);
    int *iwork = (int *)malloc(sizeof(int) * (size_t)(liwork > 0 ? liwork : 1));
    if (!work || !iwork) { free(work); free(iwork); return -1000; }
    ssyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info, 1, 1);
    free(work);
    free(iwork);
    return info;
}
