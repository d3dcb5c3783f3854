#pragma once
/* OpenBLAS CBLAS interface plus its thread controls (openblas_set_num_threads, openblas_get_corename). */
#include <cblas.h>
#include <stdlib.h>

/* The two LAPACK routines camsift calls (OpenBLAS ships LAPACK; Debian has no separate header in the build set):
   a dense solve for the propagation's closed-form check and a symmetric eigensolver for PCA. Fortran calling
   convention: every argument by pointer. */
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info);

/* Thin wrappers so Swift passes values, not addresses of temporaries. */
static inline int camsift_dgesv(int n, int nrhs, double *a, int *ipiv, double *b) {
    int info = 0;
    dgesv_(&n, &nrhs, a, &n, ipiv, b, &n, &info);
    return info;
}

/* Eigenvalues (ascending) into w and, column-major, eigenvectors into a; the workspace is queried first. */
static inline int camsift_dsyevd(int n, double *a, double *w) {
    char jobz = 'V', uplo = 'U';
    int info = 0, lwork = -1, liwork = -1, iq = 0;
    double q = 0;
    dsyevd_(&jobz, &uplo, &n, a, &n, w, &q, &lwork, &iq, &liwork, &info);
    if (info != 0) return info;
    lwork = (int)q;
    liwork = iq;
    double *work = (double *)malloc(sizeof(double) * (size_t)lwork);
    int *iwork = (int *)malloc(sizeof(int) * (size_t)liwork);
    if (!work || !iwork) { free(work); free(iwork); return -1000; }
    dsyevd_(&jobz, &uplo, &n, a, &n, w, work, &lwork, iwork, &liwork, &info);
    free(work);
    free(iwork);
    return info;
}
