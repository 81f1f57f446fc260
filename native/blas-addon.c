/*
 * deepmedix_blas: a small N-API addon that runs single-precision matrix products (OpenBLAS sgemm)
 * directly on memory owned by JavaScript — in practice the heap of tfjs's wasm backend, so a
 * kernel registered for 'wasm' reads its inputs and writes its output in place, with no copies.
 *
 * This file: the products and the module's set-up; layout.c: transpose and sum; elementwise.c:
 * tanh, exp, comparisons; addon.h: shared argument helpers.
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
#include "addon.h"

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

typedef struct {
  dmx_range_fn fn;
  void *ctx;
  int64_t lo, hi;
  int tid;
} RangeJob;

static void *range_main(void *arg) {
  RangeJob *j = (RangeJob *)arg;
  j->fn(j->ctx, j->lo, j->hi, j->tid);
  return NULL;
}

int dmx_threads(void) { return g_threads; }

void dmx_blas_single(void) { set_blas_threads(1); }

/* Starting a thread costs tens of microseconds (far more on a loaded machine, where the second
   thread may wait for a core): below ~2e6 multiply-adds (about a millisecond) one thread does it. */
void dmx_parallel(int64_t n, double work, dmx_range_fn fn, void *ctx) {
  int nt = g_threads;
  if (nt > n) nt = (int)n;
  set_blas_threads(1);
  if (nt <= 1 || work < 2.0e6) {
    fn(ctx, 0, n, 0);
    return;
  }
  pthread_t tids[32];
  RangeJob jobs[32];
  int started[32] = {0};
  for (int t = 0; t < nt; t++) jobs[t] = (RangeJob){fn, ctx, n * t / nt, n * (t + 1) / nt, t};
  for (int t = 1; t < nt; t++) {
    started[t] = pthread_create(&tids[t], NULL, range_main, &jobs[t]) == 0;
    if (!started[t]) range_main(&jobs[t]);
  }
  range_main(&jobs[0]);
  for (int t = 1; t < nt; t++)
    if (started[t]) pthread_join(tids[t], NULL);
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
      {"transpose", NULL, dmx_Transpose, NULL, NULL, NULL, napi_default, NULL},
      {"sum", NULL, dmx_Sum, NULL, NULL, NULL, napi_default, NULL},
      {"tanh", NULL, dmx_Tanh, NULL, NULL, NULL, napi_default, NULL},
      {"exp", NULL, dmx_Exp, NULL, NULL, NULL, napi_default, NULL},
      {"compare", NULL, dmx_Compare, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, dmx_LayerNorm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, dmx_LayerNormGrad, NULL, NULL, NULL, napi_default, NULL},
      {"gelu", NULL, dmx_Gelu, NULL, NULL, NULL, napi_default, NULL},
      {"geluGrad", NULL, dmx_GeluGrad, NULL, NULL, NULL, napi_default, NULL},
      {"logSoftmaxPick", NULL, dmx_LogSoftmaxPick, NULL, NULL, NULL, napi_default, NULL},
      {"logSoftmaxPickGrad", NULL, dmx_LogSoftmaxPickGrad, NULL, NULL, NULL, napi_default, NULL},
      {"adamw", NULL, dmx_AdamW, NULL, NULL, NULL, napi_default, NULL},
      {"attention", NULL, dmx_Attention, NULL, NULL, NULL, napi_default, NULL},
      {"attentionGrad", NULL, dmx_AttentionGrad, NULL, NULL, NULL, napi_default, NULL},
      {"attendCache", NULL, dmx_AttendCache, NULL, NULL, NULL, napi_default, NULL},
      {"decoderStep", NULL, dmx_DecoderStep, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  g_blas_threads = -1;
  set_blas_threads(1);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
