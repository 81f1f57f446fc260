/*
 * Shared pieces of the deepmedix_blas addon (blas-addon.c: products and module set-up;
 * layout.c: transpose, sum; elementwise.c: tanh, exp, comparisons): argument helpers and the
 * N-API entry points each file defines.
 */
#ifndef DEEPMEDIX_ADDON_H
#define DEEPMEDIX_ADDON_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define THROW(env, msg)                          \
  do {                                           \
    napi_throw_type_error((env), NULL, (msg));   \
    return NULL;                                 \
  } while (0)

#define MAXR 8

static inline int get_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

static inline int get_dims(napi_env env, napi_value arr, int64_t *out, uint32_t *n) {
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

static inline int get_heap(napi_env env, napi_value v, char **base, size_t *len) {
  bool isAb = false;
  napi_is_arraybuffer(env, v, &isAb);
  if (!isAb) return 0;
  void *p;
  napi_get_arraybuffer_info(env, v, &p, len);
  *base = (char *)p;
  return 1;
}

static inline int in_heap(double off, double bytes, size_t len) {
  return off >= 0 && off + bytes <= (double)len && fmod(off, 4.0) == 0;
}

/* ---- vectorizable float32 exp and tanh, shared by elementwise.c and fused.c ----
   exp by range reduction: e^y = 2^n * e^r, n = round(y / ln 2), |r| <= ln2/2, e^r by its Taylor
   polynomial to degree 7 (truncation < 3e-9 relative); ln 2 split in a high and a low part so r is
   exact to float precision. tanh(x) = sign(x) (1 - 2 / (e^{2|x|} + 1)) for |x| >= 0.2, the odd
   Taylor series to x^13 below (truncation < 1e-13), 1 beyond |x| = 10. Branch-free, so loops over
   them vectorize. */
/* e^r for |r| <= ln2/2: the Taylor polynomial to degree 7 */
static inline float exp_taylor(float r) {
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  return p;
}

static inline float exp_pos(float y) { /* y in [0, 20] */
  /* round to nearest by the 1.5 * 2^23 trick (vectorizes; roundf does not on baseline x86-64) */
  const float n = (y * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (y - n * 0.693359375f) + n * 2.12194440e-4f;
  const float p = exp_taylor(r);
  union { float f; int32_t i; } sc;
  sc.i = ((int32_t)n + 127) << 23;
  return p * sc.f;
}

static inline float exp_any(float x) {
  const float xc = x > 88.7228394f ? 88.7228394f : (x < -104.f ? -104.f : x);
  const float n = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const float r = (xc - n * 0.693359375f) + n * 2.12194440e-4f;
  const float p = exp_taylor(r);
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

static inline float dmx_tanh(float v) {
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
  return v != v ? v : copysignf(t, v); /* keeps -0, +0 and NaN */
}

/* Read a call's arguments: argv[0] the heap (ArrayBuffer), argv[1..n-1] numbers into num[1..n-1]. */
static inline int get_heap_nums(napi_env env, napi_callback_info info, size_t n, napi_value *argv, char **base, size_t *len, double *num) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != n || !get_heap(env, argv[0], base, len)) return 0;
  for (size_t i = 1; i < n; i++) {
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    if (t == napi_number && napi_get_value_double(env, argv[i], &num[i]) != napi_ok) return 0;
    if (t != napi_number) num[i] = NAN; /* typed arrays etc.: the caller reads argv[i] itself */
  }
  return 1;
}

/* The float32 array at a byte offset of the heap. */
#define F32(base, off) ((float *)((base) + (size_t)(off)))

/* In an N-API entry with `env` and the heap's `len`: throw a RangeError unless nfloats float32s at
   byte offset `off` lie inside the heap, 4-byte aligned. */
#define CHECK(off, nfloats, what)                                                        \
  do {                                                                                   \
    if (!in_heap((off), 4.0 * (double)(nfloats), len)) {                                 \
      napi_throw_range_error(env, NULL, what ": operand outside the heap or misaligned"); \
      return NULL;                                                                       \
    }                                                                                    \
  } while (0)

/* Work split over the addon's threads (blas-addon.c): fn(ctx, lo, hi, tid) for [0, n) in
   contiguous chunks, on one thread when `work` (about one unit per multiply-add) is small. Inside,
   OpenBLAS runs single-threaded. */
typedef void (*dmx_range_fn)(void *ctx, int64_t lo, int64_t hi, int tid);
void dmx_parallel(int64_t n, double work, dmx_range_fn fn, void *ctx);
int dmx_threads(void);
void dmx_blas_single(void); /* OpenBLAS on one thread from here on */

/* Shared pieces of the fused kernels (fused.c, attention.c), for decoder-step.c. */
void dmx_layer_norm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, int64_t rows, int64_t d, float eps);
void dmx_gelu(const float *x, float *y, int64_t n);
void dmx_attend_cache(const float *qkv, float *kc, float *vc, const float *mask, float *out, int64_t B, int64_t Tq, int64_t H, int64_t dh,
                      int64_t Tmax, int64_t pos, int64_t mB, int64_t mQ, int64_t mT, float scale);
int dmx_counts_ok(const double *a, int from, int to); /* a[from..to] are integer counts in [0, 2e9] */

napi_value dmx_Transpose(napi_env env, napi_callback_info info);
napi_value dmx_Sum(napi_env env, napi_callback_info info);
napi_value dmx_Tanh(napi_env env, napi_callback_info info);
napi_value dmx_Exp(napi_env env, napi_callback_info info);
napi_value dmx_Compare(napi_env env, napi_callback_info info);
napi_value dmx_LayerNorm(napi_env env, napi_callback_info info);
napi_value dmx_LayerNormGrad(napi_env env, napi_callback_info info);
napi_value dmx_Gelu(napi_env env, napi_callback_info info);
napi_value dmx_GeluGrad(napi_env env, napi_callback_info info);
napi_value dmx_LogSoftmaxPick(napi_env env, napi_callback_info info);
napi_value dmx_LogSoftmaxPickGrad(napi_env env, napi_callback_info info);
napi_value dmx_AdamW(napi_env env, napi_callback_info info);
napi_value dmx_Attention(napi_env env, napi_callback_info info);
napi_value dmx_AttentionGrad(napi_env env, napi_callback_info info);
napi_value dmx_AttendCache(napi_env env, napi_callback_info info);
napi_value dmx_DecoderStep(napi_env env, napi_callback_info info);

#endif
