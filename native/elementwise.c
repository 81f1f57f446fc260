/* deepmedix_blas: tanh, exp and broadcasting comparisons on the wasm heap (see blas-addon.c). */
#include "addon.h"

/* ---- tanh, float32 (dmx_tanh in addon.h), vectorized over the array ---- */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void tanh_array(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = dmx_tanh(x[i]);
}

/* tanh(heap, inOff, outOff, n) */
napi_value dmx_Tanh(napi_env env, napi_callback_info info) {
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

/* ---- exp, float32 (exp_any in addon.h): e^x = 2^n e^r over the whole float range ----
   x > 88.7228 -> +Inf, x < -103.98 -> 0 (below the smallest subnormal), NaN stays NaN; the
   2^n scale is applied in two halves so subnormal results come out right. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void exp_array(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = exp_any(x[i]);
}

/* exp(heap, inOff, outOff, n) */
napi_value dmx_Exp(napi_env env, napi_callback_info info) {
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
napi_value dmx_Compare(napi_env env, napi_callback_info info) {
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

