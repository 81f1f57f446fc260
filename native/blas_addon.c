/*
 * deepmedix_blas: a small N-API addon that runs single-precision matrix products (OpenBLAS sgemm)
 * directly on memory owned by JavaScript — in practice the heap of tfjs's wasm backend, so a
 * kernel registered for 'wasm' reads its inputs and writes its output in place, with no copies.
 *
 * Exported functions (all synchronous, all arguments checked; a bad argument throws a TypeError
 * or RangeError, it never touches memory out of bounds):
 *
 *   gemm(heap, batch, M, N, K, transA, transB, offsets, cOff, biasOff, act, alpha, preluOff)
 *     heap     ArrayBuffer holding every operand (the wasm backend's HEAPU8.buffer)
 *     offsets  Float64Array of 2*batch byte offsets: [a_0, b_0, a_1, b_1, ...] — one A and one
 *              B matrix per batch entry, so any broadcast pattern is expressed by repeating offsets
 *     cOff     byte offset of C, batch contiguous row-major M x N matrices
 *     A_i is M x K (K x M when transA), row-major; B_i is K x N (N x K when transB)
 *     biasOff  byte offset of an N-vector added to every row of C, or -1 for none
 *     act      0 linear, 1 relu, 2 relu6, 3 leaky relu (slope alpha), 4 sigmoid,
 *              5 prelu (negative slopes: the N-vector at byte offset preluOff)
 *   transpose(heap, inOff, outOff, shape, perm)   4-byte elements, out dim i = in dim perm[i]
 *   sum(heap, inOff, outOff, shape, reduced)        float32 sum over dims with reduced[d] = 1
 *   tanh(heap, inOff, outOff, n)                    float32, vectorizable polynomial/exp form
 *   exp(heap, inOff, outOff, n)                     float32, vectorizable
 *   compare(heap, op, dtype, aOff, bOff, outOff, shape, aStrides, bStrides)   broadcasting ==,!=,<,<=,>,>= to bool
 *   setThreads(n)  threads used for products (own batch split + OpenBLAS's threads)
 *   info()         { config, threads, corename }
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

static int g_threads = 1;
static int g_blas_threads = -1; /* what OpenBLAS is currently set to */

static void set_blas_threads(int n) {
  if (n != g_blas_threads) {
    openblas_set_num_threads(n);
    g_blas_threads = n;
  }
}

typedef struct {
  char *base;
  int first, last; /* batch range [first, last) */
  int M, N, K, transA, transB;
  const double *offsets;
  double cOff;
  double biasOff;
  int act;
  float alpha;
  double preluOff;
} Job;

static void epilogue(float *c, int M, int N, const float *bias, int act, float alpha, const float *prelu) {
  if (!bias && act == 0) return;
  for (int i = 0; i < M; i++) {
    float *row = c + (size_t)i * N;
    if (bias)
      for (int j = 0; j < N; j++) row[j] += bias[j];
    switch (act) {
      case 1:
        for (int j = 0; j < N; j++) row[j] = row[j] > 0.f ? row[j] : 0.f;
        break;
      case 2:
        for (int j = 0; j < N; j++) row[j] = row[j] < 0.f ? 0.f : (row[j] > 6.f ? 6.f : row[j]);
        break;
      case 3:
        for (int j = 0; j < N; j++) row[j] = row[j] < 0.f ? alpha * row[j] : row[j];
        break;
      case 4:
        for (int j = 0; j < N; j++) row[j] = 1.f / (1.f + expf(-row[j]));
        break;
      case 5:
        for (int j = 0; j < N; j++) row[j] = row[j] < 0.f ? prelu[j] * row[j] : row[j];
        break;
      default:
        break;
    }
  }
}

static void run_job(const Job *j) {
  const int lda = j->transA ? j->M : j->K;
  const int ldb = j->transB ? j->K : j->N;
  const float *bias = j->biasOff >= 0 ? (const float *)(j->base + (size_t)j->biasOff) : NULL;
  const float *prelu = j->preluOff >= 0 ? (const float *)(j->base + (size_t)j->preluOff) : NULL;
  for (int i = j->first; i < j->last; i++) {
    const float *a = (const float *)(j->base + (size_t)j->offsets[2 * i]);
    const float *b = (const float *)(j->base + (size_t)j->offsets[2 * i + 1]);
    float *c = (float *)(j->base + (size_t)j->cOff) + (size_t)i * j->M * j->N;
    if (j->K == 0) {
      memset(c, 0, sizeof(float) * (size_t)j->M * j->N);
    } else {
      cblas_sgemm(CblasRowMajor, j->transA ? CblasTrans : CblasNoTrans, j->transB ? CblasTrans : CblasNoTrans,
                  j->M, j->N, j->K, 1.0f, a, lda, b, ldb, 0.0f, c, j->N);
    }
    epilogue(c, j->M, j->N, bias, j->act, j->alpha, prelu);
  }
}

static void *thread_main(void *arg) {
  run_job((const Job *)arg);
  return NULL;
}

#define THROW(env, msg)                          \
  do {                                           \
    napi_throw_type_error((env), NULL, (msg));   \
    return NULL;                                 \
  } while (0)

static int get_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 13) THROW(env, "gemm: expected 13 arguments");

  bool isAb = false;
  napi_is_arraybuffer(env, argv[0], &isAb);
  if (!isAb) THROW(env, "gemm: heap must be an ArrayBuffer");
  void *heap = NULL;
  size_t heapLen = 0;
  napi_get_arraybuffer_info(env, argv[0], &heap, &heapLen);

  int64_t batch, M, N, K, act, tA, tB;
  double cOff, biasOff, alpha, preluOff;
  if (!get_int(env, argv[1], &batch) || !get_int(env, argv[2], &M) || !get_int(env, argv[3], &N) ||
      !get_int(env, argv[4], &K) || !get_int(env, argv[5], &tA) || !get_int(env, argv[6], &tB) ||
      !get_int(env, argv[10], &act))
    THROW(env, "gemm: batch, M, N, K, transA, transB, act must be numbers");
  if (napi_get_value_double(env, argv[8], &cOff) != napi_ok || napi_get_value_double(env, argv[9], &biasOff) != napi_ok ||
      napi_get_value_double(env, argv[11], &alpha) != napi_ok || napi_get_value_double(env, argv[12], &preluOff) != napi_ok)
    THROW(env, "gemm: cOff, biasOff, alpha, preluOff must be numbers");
  if (batch < 0 || M < 0 || N < 0 || K < 0 || M > INT32_MAX || N > INT32_MAX || K > INT32_MAX || act < 0 || act > 5)
    THROW(env, "gemm: bad dimensions or activation");

  bool isTa = false;
  napi_is_typedarray(env, argv[7], &isTa);
  if (!isTa) THROW(env, "gemm: offsets must be a Float64Array");
  napi_typedarray_type ttype;
  size_t olen;
  void *odata;
  napi_get_typedarray_info(env, argv[7], &ttype, &olen, &odata, NULL, NULL);
  if (ttype != napi_float64_array || olen != (size_t)(2 * batch)) THROW(env, "gemm: offsets must be a Float64Array of length 2*batch");
  const double *offsets = (const double *)odata;

  /* Bounds: every operand must lie inside the heap and be 4-byte aligned. */
  const double aBytes = 4.0 * (double)M * (double)K, bBytes = 4.0 * (double)K * (double)N;
  const double cBytes = 4.0 * (double)batch * (double)M * (double)N;
  const double len = (double)heapLen;
  for (int64_t i = 0; i < batch; i++) {
    const double ao = offsets[2 * i], bo = offsets[2 * i + 1];
    if (!(ao >= 0 && ao + aBytes <= len && bo >= 0 && bo + bBytes <= len) || fmod(ao, 4.0) != 0 || fmod(bo, 4.0) != 0) {
      napi_throw_range_error(env, NULL, "gemm: an A or B operand lies outside the heap or is misaligned");
      return NULL;
    }
  }
  if (!(cOff >= 0 && cOff + cBytes <= len) || fmod(cOff, 4.0) != 0) {
    napi_throw_range_error(env, NULL, "gemm: C lies outside the heap or is misaligned");
    return NULL;
  }
  if (biasOff >= 0 && (biasOff + 4.0 * (double)N > len || fmod(biasOff, 4.0) != 0)) {
    napi_throw_range_error(env, NULL, "gemm: bias lies outside the heap or is misaligned");
    return NULL;
  }
  if (act == 5 && (preluOff < 0 || preluOff + 4.0 * (double)N > len || fmod(preluOff, 4.0) != 0)) {
    napi_throw_range_error(env, NULL, "gemm: prelu weights missing, outside the heap or misaligned");
    return NULL;
  }
  if (batch == 0 || M == 0 || N == 0) return NULL;

  Job job = {(char *)heap, 0, (int)batch, (int)M, (int)N, (int)K, (int)tA, (int)tB, offsets, cOff, biasOff < 0 ? -1 : biasOff,
             (int)act, (float)alpha, act == 5 ? preluOff : -1};
  const double flopsPer = 2.0 * (double)M * (double)N * (double)K;
  /* Batched products: split the batch over our own threads, each running single-threaded sgemm.
     A single (or few, large) product: let OpenBLAS split it. Small work stays on this thread:
     starting threads costs tens of microseconds, and on a busy machine a second thread may not
     run at once (measured: an 8x128x1400 product ran 7x slower on 2 OpenBLAS threads). */
  int nt = g_threads;
  if (batch < nt) nt = (int)batch;
  if (nt > 1 && flopsPer * (double)batch >= 8.0e6 && (batch >= 2 * g_threads || flopsPer < 4.0e6)) {
    set_blas_threads(1);
    pthread_t tids[64];
    Job jobs[64];
    int started = 0;
    for (int t = 0; t < nt; t++) {
      jobs[t] = job;
      jobs[t].first = (int)(batch * t / nt);
      jobs[t].last = (int)(batch * (t + 1) / nt);
    }
    for (int t = 1; t < nt; t++) {
      if (pthread_create(&tids[t], NULL, thread_main, &jobs[t]) == 0) {
        started |= 1 << t;
      } else {
        run_job(&jobs[t]);
      }
    }
    run_job(&jobs[0]);
    for (int t = 1; t < nt; t++)
      if (started & (1 << t)) pthread_join(tids[t], NULL);
  } else {
    set_blas_threads(flopsPer >= 1.6e7 && M >= 64 ? g_threads : 1);
    run_job(&job);
  }
  return NULL;
}

/* ---- Transpose and Sum on 4-byte elements (dims already collapsed by the caller) ---- */

#define MAXR 8

static int get_dims(napi_env env, napi_value arr, int64_t *out, uint32_t *n) {
  bool isArr = false;
  napi_is_array(env, arr, &isArr);
  if (!isArr) return 0;
  napi_get_array_length(env, arr, n);
  if (*n < 1 || *n > MAXR) return 0;
  for (uint32_t i = 0; i < *n; i++) {
    napi_value v;
    napi_get_element(env, arr, i, &v);
    if (!get_int(env, v, &out[i]) || out[i] < 0 || out[i] > INT32_MAX) return 0;
  }
  return 1;
}

static int get_heap(napi_env env, napi_value v, char **base, size_t *len) {
  bool isAb = false;
  napi_is_arraybuffer(env, v, &isAb);
  if (!isAb) return 0;
  void *p;
  napi_get_arraybuffer_info(env, v, &p, len);
  *base = (char *)p;
  return 1;
}

static int in_heap(double off, double bytes, size_t len) {
  return off >= 0 && off + bytes <= (double)len && fmod(off, 4.0) == 0;
}

/* transpose(heap, inOff, outOff, shape[], perm[]): out dim i = in dim perm[i]; 4-byte elements. */
static napi_value Transpose(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *base;
  size_t len;
  double inOff, outOff;
  int64_t shape[MAXR], perm[MAXR];
  uint32_t r, rp;
  if (argc != 5 || !get_heap(env, argv[0], &base, &len) || napi_get_value_double(env, argv[1], &inOff) != napi_ok ||
      napi_get_value_double(env, argv[2], &outOff) != napi_ok || !get_dims(env, argv[3], shape, &r) || !get_dims(env, argv[4], perm, &rp) || r != rp)
    THROW(env, "transpose(heap, inOff, outOff, shape, perm): bad arguments");
  int seen = 0;
  double n = 1;
  for (uint32_t i = 0; i < r; i++) {
    if (perm[i] >= r || (seen & (1 << perm[i]))) THROW(env, "transpose: perm is not a permutation");
    seen |= 1 << perm[i];
    n *= (double)shape[i];
  }
  if (!in_heap(inOff, 4 * n, len) || !in_heap(outOff, 4 * n, len)) {
    napi_throw_range_error(env, NULL, "transpose: operand outside the heap or misaligned");
    return NULL;
  }
  if (n == 0) return NULL;
  const uint32_t *in = (const uint32_t *)(base + (size_t)inOff);
  uint32_t *out = (uint32_t *)(base + (size_t)outOff);
  int64_t inStride[MAXR], outShape[MAXR], outStride[MAXR], srcStride[MAXR];
  inStride[r - 1] = 1;
  for (int i = (int)r - 2; i >= 0; i--) inStride[i] = inStride[i + 1] * shape[i + 1];
  for (uint32_t i = 0; i < r; i++) outShape[i] = shape[perm[i]];
  outStride[r - 1] = 1;
  for (int i = (int)r - 2; i >= 0; i--) outStride[i] = outStride[i + 1] * outShape[i + 1];
  for (uint32_t i = 0; i < r; i++) srcStride[i] = inStride[perm[i]]; /* input step per output-dim step */
  const int last = (int)r - 1;
  if (perm[last] == last) {
    /* innermost dim kept: copy rows of length shape[last] */
    const int64_t row = shape[last];
    int64_t idx[MAXR] = {0};
    const int64_t rows = (int64_t)n / row;
    for (int64_t q = 0; q < rows; q++) {
      int64_t src = 0;
      for (int i = 0; i < last; i++) src += idx[i] * srcStride[i];
      memcpy(out + q * row, in + src, sizeof(uint32_t) * (size_t)row);
      for (int i = last - 1; i >= 0; i--) {
        if (++idx[i] < outShape[i]) break;
        idx[i] = 0;
      }
    }
    return NULL;
  }
  /* j: the output dim holding input's innermost dim. Tile over (j, last) so reads and writes both
     run along contiguous memory in 16x16 blocks; iterate the other output dims with an odometer. */
  int j = 0;
  while (perm[j] != last) j++;
  const int64_t nj = outShape[j], nk = outShape[last];
  const int64_t osj = outStride[j], ssk = srcStride[last];
  int64_t idx[MAXR] = {0};
  int64_t outer = (int64_t)n / (nj * nk);
  for (int64_t q = 0; q < outer; q++) {
    int64_t src = 0, dst = 0;
    for (int i = 0; i < last; i++)
      if (i != j) {
        src += idx[i] * srcStride[i];
        dst += idx[i] * outStride[i];
      }
    for (int64_t jb = 0; jb < nj; jb += 16) {
      const int64_t je = jb + 16 < nj ? jb + 16 : nj;
      for (int64_t kb = 0; kb < nk; kb += 16) {
        const int64_t ke = kb + 16 < nk ? kb + 16 : nk;
        for (int64_t jj = jb; jj < je; jj++) {
          uint32_t *o = out + dst + jj * osj;
          const uint32_t *s = in + src + jj; /* input's innermost dim has stride 1 */
          for (int64_t kk = kb; kk < ke; kk++) o[kk] = s[kk * ssk];
        }
      }
    }
    for (int i = last - 1; i >= 0; i--) {
      if (i == j) continue;
      if (++idx[i] < outShape[i]) break;
      idx[i] = 0;
    }
  }
  return NULL;
}

/* float32 sum over the dims flagged in `reduced` (dims collapsed by the caller). */
static void reduce_rec(int d, int r, const int64_t *shape, const int64_t *inStride, const int64_t *outStride, const int64_t *red,
                       const float *in, float *out) {
  const int64_t n = shape[d];
  if (d == r - 1) {
    if (red[d]) {
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += in[i + l];
      float t = 0;
      for (; i < n; i++) t += in[i];
      *out += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + t;
    } else {
      for (int64_t i = 0; i < n; i++) out[i] += in[i];
    }
    return;
  }
  for (int64_t i = 0; i < n; i++)
    reduce_rec(d + 1, r, shape, inStride, outStride, red, in + i * inStride[d], red[d] ? out : out + i * outStride[d]);
}

/* sum(heap, inOff, outOff, shape[], reduced[]) */
static napi_value Sum(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *base;
  size_t len;
  double inOff, outOff;
  int64_t shape[MAXR], red[MAXR];
  uint32_t r, rr;
  if (argc != 5 || !get_heap(env, argv[0], &base, &len) || napi_get_value_double(env, argv[1], &inOff) != napi_ok ||
      napi_get_value_double(env, argv[2], &outOff) != napi_ok || !get_dims(env, argv[3], shape, &r) || !get_dims(env, argv[4], red, &rr) || r != rr)
    THROW(env, "sum(heap, inOff, outOff, shape, reduced): bad arguments");
  double n = 1, m = 1;
  for (uint32_t i = 0; i < r; i++) {
    n *= (double)shape[i];
    if (!red[i]) m *= (double)shape[i];
  }
  if (!in_heap(inOff, 4 * n, len) || !in_heap(outOff, 4 * m, len)) {
    napi_throw_range_error(env, NULL, "sum: operand outside the heap or misaligned");
    return NULL;
  }
  float *out = (float *)(base + (size_t)outOff);
  memset(out, 0, sizeof(float) * (size_t)m);
  if (n == 0) return NULL;
  int64_t inStride[MAXR], outStride[MAXR];
  inStride[r - 1] = 1;
  for (int i = (int)r - 2; i >= 0; i--) inStride[i] = inStride[i + 1] * shape[i + 1];
  int64_t s = 1;
  for (int i = (int)r - 1; i >= 0; i--) {
    outStride[i] = red[i] ? 0 : s;
    if (!red[i]) s *= shape[i];
  }
  reduce_rec(0, (int)r, shape, inStride, outStride, red, (const float *)(base + (size_t)inOff), out);
  return NULL;
}

/* ---- tanh, float32 ----
   exp by range reduction: e^y = 2^n * e^r, n = round(y / ln 2), |r| <= ln2/2, e^r by its Taylor
   polynomial to degree 7 (truncation < 3e-9 relative); ln 2 split in a high and a low part so r is
   exact to float precision. tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)) for |x| >= 0.2, the odd
   Taylor series to x^13 below (truncation < 1e-13), 1 beyond |x| = 10. Branch-free over the
   array so the compiler vectorizes it. */
static inline float exp_pos(float y) { /* y in [0, 20] */
  /* round to nearest by the 1.5 * 2^23 trick (vectorizes; roundf does not on baseline x86-64) */
  const float n = (y * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (y - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  union { float f; int32_t i; } sc;
  sc.i = ((int32_t)n + 127) << 23;
  return p * sc.f;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void tanh_array(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const float av = v < 0.f ? -v : v;
    const float a = av < 10.f ? av : 10.f; /* also maps NaN to 10; NaN is restored below */
    const float e = exp_pos(2.f * a);
    const float big = 1.f - 2.f / (e + 1.f);
    const float a2 = a * a;
    /* odd Taylor series of tanh: x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - 1382x^11/155925 + 21844x^13/6081075 */
    float sm = 21844.f / 6081075.f;
    sm = sm * a2 - 1382.f / 155925.f;
    sm = sm * a2 + 62.f / 2835.f;
    sm = sm * a2 - 17.f / 315.f;
    sm = sm * a2 + 2.f / 15.f;
    sm = sm * a2 - 1.f / 3.f;
    sm = (sm * a2) * a + a;
    const float t = a < 0.2f ? sm : big;
    out[i] = v != v ? v : copysignf(t, v); /* keeps -0, +0 and NaN */
  }
}

/* tanh(heap, inOff, outOff, n) */
static napi_value Tanh(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *base;
  size_t len;
  double inOff, outOff;
  int64_t n;
  if (argc != 4 || !get_heap(env, argv[0], &base, &len) || napi_get_value_double(env, argv[1], &inOff) != napi_ok ||
      napi_get_value_double(env, argv[2], &outOff) != napi_ok || !get_int(env, argv[3], &n) || n < 0)
    THROW(env, "tanh(heap, inOff, outOff, n): bad arguments");
  if (!in_heap(inOff, 4.0 * (double)n, len) || !in_heap(outOff, 4.0 * (double)n, len)) {
    napi_throw_range_error(env, NULL, "tanh: operand outside the heap or misaligned");
    return NULL;
  }
  tanh_array((const float *)(base + (size_t)inOff), (float *)(base + (size_t)outOff), n);
  return NULL;
}

/* ---- exp, float32: e^x = 2^n e^r as in tanh's exp_pos, over the whole float range ----
   x > 88.7228 -> +Inf, x < -103.98 -> 0 (below the smallest subnormal), NaN stays NaN; the
   2^n scale is applied in two halves so subnormal results come out right. */
static inline float exp_any(float x) {
  const float xc = x > 88.7228394f ? 88.7228394f : (x < -104.f ? -104.f : x);
  const float n = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const int32_t ni = (int32_t)n;
  const int32_t n1 = ni / 2, n2 = ni - n1;
  union { float f; int32_t i; } s1, s2;
  s1.i = (n1 + 127) << 23;
  s2.i = (n2 + 127) << 23;
  float y = (p * s1.f) * s2.f;
  y = x > 88.7228394f ? __builtin_inff() : y;
  y = x < -104.f ? 0.f : y;
  return x != x ? x : y;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void exp_array(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = exp_any(x[i]);
}

/* exp(heap, inOff, outOff, n) */
static napi_value Exp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *base;
  size_t len;
  double inOff, outOff;
  int64_t n;
  if (argc != 4 || !get_heap(env, argv[0], &base, &len) || napi_get_value_double(env, argv[1], &inOff) != napi_ok ||
      napi_get_value_double(env, argv[2], &outOff) != napi_ok || !get_int(env, argv[3], &n) || n < 0)
    THROW(env, "exp(heap, inOff, outOff, n): bad arguments");
  if (!in_heap(inOff, 4.0 * (double)n, len) || !in_heap(outOff, 4.0 * (double)n, len)) {
    napi_throw_range_error(env, NULL, "exp: operand outside the heap or misaligned");
    return NULL;
  }
  exp_array((const float *)(base + (size_t)inOff), (float *)(base + (size_t)outOff), n);
  return NULL;
}

/* ---- comparisons with broadcasting: out (uint8 0/1) over outShape, a and b read with strides
   (0 on broadcast dims); op 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=; dtype 0 float32, 1 int32. */
#define CMP_LOOP(T)                                                                       \
  do {                                                                                    \
    const T *A = (const T *)a;                                                            \
    const T *Bv = (const T *)b;                                                           \
    switch (op) {                                                                         \
      case 0: for (int64_t i = 0; i < n; i++) o[i] = A[i * sa] == Bv[i * sb]; break;     \
      case 1: for (int64_t i = 0; i < n; i++) o[i] = A[i * sa] != Bv[i * sb]; break;     \
      case 2: for (int64_t i = 0; i < n; i++) o[i] = A[i * sa] < Bv[i * sb]; break;      \
      case 3: for (int64_t i = 0; i < n; i++) o[i] = A[i * sa] <= Bv[i * sb]; break;     \
      case 4: for (int64_t i = 0; i < n; i++) o[i] = A[i * sa] > Bv[i * sb]; break;      \
      default: for (int64_t i = 0; i < n; i++) o[i] = A[i * sa] >= Bv[i * sb]; break;    \
    }                                                                                     \
  } while (0)

static void cmp_inner(int op, int dtype, const char *a, int64_t sa, const char *b, int64_t sb, uint8_t *o, int64_t n) {
  if (dtype == 0) CMP_LOOP(float);
  else CMP_LOOP(int32_t);
}

/* compare(heap, op, dtype, aOff, bOff, outOff, outShape[], aStrides[], bStrides[]) (strides in elements) */
static napi_value Compare(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *base;
  size_t len;
  int64_t op, dtype, shape[MAXR], sa[MAXR], sb[MAXR];
  double aOff, bOff, outOff;
  uint32_t r, r1, r2;
  if (argc != 9 || !get_heap(env, argv[0], &base, &len) || !get_int(env, argv[1], &op) || !get_int(env, argv[2], &dtype) ||
      napi_get_value_double(env, argv[3], &aOff) != napi_ok || napi_get_value_double(env, argv[4], &bOff) != napi_ok ||
      napi_get_value_double(env, argv[5], &outOff) != napi_ok || !get_dims(env, argv[6], shape, &r) || !get_dims(env, argv[7], sa, &r1) ||
      !get_dims(env, argv[8], sb, &r2) || r1 != r || r2 != r || op < 0 || op > 5 || dtype < 0 || dtype > 1)
    THROW(env, "compare(heap, op, dtype, aOff, bOff, outOff, shape, aStrides, bStrides): bad arguments");
  double n = 1, aLast = 0, bLast = 0; /* element index of the last element read */
  for (uint32_t i = 0; i < r; i++) {
    n *= (double)shape[i];
    if (shape[i] > 0) {
      aLast += (double)(shape[i] - 1) * (double)sa[i];
      bLast += (double)(shape[i] - 1) * (double)sb[i];
    }
  }
  if (n == 0) return NULL;
  if (!in_heap(aOff, 4.0 * (aLast + 1), len) || !in_heap(bOff, 4.0 * (bLast + 1), len) || !(outOff >= 0 && outOff + n <= (double)len)) {
    napi_throw_range_error(env, NULL, "compare: operand outside the heap or misaligned");
    return NULL;
  }
  const char *A = base + (size_t)aOff;
  const char *B = base + (size_t)bOff;
  uint8_t *O = (uint8_t *)(base + (size_t)outOff);
  const int last = (int)r - 1;
  const int64_t inner = shape[last];
  const int64_t outer = (int64_t)n / inner;
  int64_t idx[MAXR] = {0};
  for (int64_t q = 0; q < outer; q++) {
    int64_t ao = 0, bo = 0;
    for (int i = 0; i < last; i++) {
      ao += idx[i] * sa[i];
      bo += idx[i] * sb[i];
    }
    cmp_inner((int)op, (int)dtype, A + 4 * ao, sa[last], B + 4 * bo, sb[last], O + q * inner, inner);
    for (int i = last - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return NULL;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int64_t n;
  if (argc != 1 || !get_int(env, argv[0], &n) || n < 1 || n > 31) THROW(env, "setThreads: expected an integer in 1..31");
  g_threads = (int)n;
  g_blas_threads = -1;
  set_blas_threads(g_threads);
  return NULL;
}

static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "config", v);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "corename", v);
  napi_create_int32(env, g_threads, &v);
  napi_set_named_property(env, obj, "threads", v);
  return obj;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
      {"transpose", NULL, Transpose, NULL, NULL, NULL, napi_default, NULL},
      {"sum", NULL, Sum, NULL, NULL, NULL, napi_default, NULL},
      {"tanh", NULL, Tanh, NULL, NULL, NULL, napi_default, NULL},
      {"exp", NULL, Exp, NULL, NULL, NULL, napi_default, NULL},
      {"compare", NULL, Compare, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  g_blas_threads = -1;
  set_blas_threads(1);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
