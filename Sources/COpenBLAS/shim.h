#pragma once
/* OpenBLAS CBLAS interface plus its thread controls (openblas_set_num_threads, openblas_get_corename). */
#include <cblas.h>
#include <stdlib.h>

/* LAPACK's dense solve (LU with partial pivoting; the propagation's closed-form check). No CHARACTER arguments, so
   no hidden lengths. */
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);

/* A thin wrapper so Swift passes values, not addresses of temporaries: solves a·x = b for nrhs right-hand sides
   (column-major a, n×n, overwritten by its LU; b, n×nrhs, overwritten by x). Returns LAPACK's info. */
static inline int camsift_dgesv(int n, int nrhs, double *a, int *ipiv, double *b) {
    int info = 0;
    dgesv_(&n, &nrhs, a, &n, ipiv, b, &n, &info);
    return info;
}

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
