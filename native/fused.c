/*
 * deepmedix_blas: fused training kernels on the wasm heap (see blas-addon.c) — layer norm, GELU
 * (tanh form), log-softmax at target ids (the answer-token cross-entropy) with their backward
 * passes, and one AdamW update over every parameter. Each replaces a chain of 5–30 tfjs kernel
 * calls; large calls are split over the addon's threads (dmx_parallel).
 *
 * All offsets are byte offsets into the heap; every operand is bounds-checked before use.
 */
#include "addon.h"

static int bad_count(double v) { return !(v >= 0 && v <= 4.0e9 && v == floor(v)); }

/* ---- layer norm over rows of d: y = (x - mean) * rstd * g + b; keeps mean and rstd per row ---- */
typedef struct {
  const float *x, *g, *b, *dy, *mean, *rstd;
  float *y, *mu, *rs, *dx, *dg, *db; /* dg, db: one d-vector per thread */
  int64_t d;
  float eps;
} LnCtx;

static void ln_fwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const LnCtx *c = (const LnCtx *)c_;
  const int64_t d = c->d;
  for (int64_t r = lo; r < hi; r++) {
    const float *x = c->x + r * d;
    float *y = c->y + r * d;
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += x[j];
    const float m = (float)(s / (double)d);
    double v = 0;
    for (int64_t j = 0; j < d; j++) {
      const float t = x[j] - m;
      v += (double)t * t;
    }
    const float rs = 1.f / sqrtf((float)(v / (double)d) + c->eps);
    for (int64_t j = 0; j < d; j++) y[j] = (x[j] - m) * rs * c->g[j] + c->b[j];
    c->mu[r] = m;
    c->rs[r] = rs;
  }
}

/* dx = rstd (dxh - mean(dxh) - xh mean(dxh xh)), dxh = dy g, xh = (x - mean) rstd; dg = sum dy xh, db = sum dy */
static void ln_bwd(void *c_, int64_t lo, int64_t hi, int tid) {
  const LnCtx *c = (const LnCtx *)c_;
  const int64_t d = c->d;
  float *dg = c->dg + (size_t)tid * d, *db = c->db + (size_t)tid * d;
  for (int64_t r = lo; r < hi; r++) {
    const float *x = c->x + r * d, *dy = c->dy + r * d;
    float *dx = c->dx + r * d;
    const float m = c->mean[r], rs = c->rstd[r];
    double s1 = 0, s2 = 0;
    for (int64_t j = 0; j < d; j++) {
      const float xh = (x[j] - m) * rs, g = dy[j] * c->g[j];
      s1 += g;
      s2 += (double)g * xh;
      dg[j] += dy[j] * xh;
      db[j] += dy[j];
    }
    const float a = (float)(s1 / (double)d), b = (float)(s2 / (double)d);
    for (int64_t j = 0; j < d; j++) {
      const float xh = (x[j] - m) * rs;
      dx[j] = rs * (dy[j] * c->g[j] - a - xh * b);
    }
  }
}

void dmx_layer_norm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, int64_t rows, int64_t d, float eps) {
  LnCtx c = {x, g, b, NULL, NULL, NULL, y, mean, rstd, NULL, NULL, NULL, d, eps};
  ln_fwd(&c, 0, rows, 0);
}

/* layerNorm(heap, x, g, b, y, mean, rstd, rows, d, eps) */
napi_value dmx_LayerNorm(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  double a[10];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 10, argv, &base, &len, a) || bad_count(a[7]) || bad_count(a[8]) || a[8] < 1 || !(a[9] >= 0))
    THROW(env, "layerNorm(heap, x, g, b, y, mean, rstd, rows, d, eps): bad arguments");
  const int64_t rows = (int64_t)a[7], d = (int64_t)a[8];
  CHECK(a[1], rows * d, "layerNorm");
  CHECK(a[2], d, "layerNorm");
  CHECK(a[3], d, "layerNorm");
  CHECK(a[4], rows * d, "layerNorm");
  CHECK(a[5], rows, "layerNorm");
  CHECK(a[6], rows, "layerNorm");
  LnCtx c = {F32(base, a[1]), F32(base, a[2]), F32(base, a[3]), NULL, NULL, NULL, F32(base, a[4]), F32(base, a[5]), F32(base, a[6]),
             NULL, NULL, NULL, d, (float)a[9]};
  dmx_parallel(rows, 4.0 * (double)rows * d, ln_fwd, &c);
  return NULL;
}

/* layerNormGrad(heap, x, g, mean, rstd, dy, dx, dg, db, rows, d) */
napi_value dmx_LayerNormGrad(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  double a[11];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 11, argv, &base, &len, a) || bad_count(a[9]) || bad_count(a[10]) || a[10] < 1)
    THROW(env, "layerNormGrad(heap, x, g, mean, rstd, dy, dx, dg, db, rows, d): bad arguments");
  const int64_t rows = (int64_t)a[9], d = (int64_t)a[10];
  CHECK(a[1], rows * d, "layerNormGrad");
  CHECK(a[2], d, "layerNormGrad");
  CHECK(a[3], rows, "layerNormGrad");
  CHECK(a[4], rows, "layerNormGrad");
  CHECK(a[5], rows * d, "layerNormGrad");
  CHECK(a[6], rows * d, "layerNormGrad");
  CHECK(a[7], d, "layerNormGrad");
  CHECK(a[8], d, "layerNormGrad");
  const int nt = dmx_threads();
  float *acc = (float *)calloc((size_t)2 * nt * d, sizeof(float));
  if (!acc) THROW(env, "layerNormGrad: out of memory");
  LnCtx c = {F32(base, a[1]), F32(base, a[2]), NULL, F32(base, a[5]), F32(base, a[3]), F32(base, a[4]), NULL, NULL, NULL,
             F32(base, a[6]), acc, acc + (size_t)nt * d, d, 0.f};
  dmx_parallel(rows, 8.0 * (double)rows * d, ln_bwd, &c);
  float *dg = F32(base, a[7]), *db = F32(base, a[8]);
  for (int64_t j = 0; j < d; j++) {
    float sg = 0, sb = 0;
    for (int t = 0; t < nt; t++) {
      sg += c.dg[(size_t)t * d + j];
      sb += c.db[(size_t)t * d + j];
    }
    dg[j] = sg;
    db[j] = sb;
  }
  free(acc);
  return NULL;
}

/* ---- GELU, tanh form: y = 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2 / pi) ---- */
#define GELU_C 0.7978845608028654f
#define GELU_A 0.044715f
typedef struct {
  const float *x, *dy;
  float *y;
} GeluCtx;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void gelu_fwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const GeluCtx *c = (const GeluCtx *)c_;
  for (int64_t i = lo; i < hi; i++) {
    const float x = c->x[i];
    c->y[i] = (x * 0.5f) * (dmx_tanh((x + x * x * x * GELU_A) * GELU_C) + 1.f);
  }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void gelu_bwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const GeluCtx *c = (const GeluCtx *)c_;
  for (int64_t i = lo; i < hi; i++) {
    const float x = c->x[i];
    const float t = dmx_tanh((x + x * x * x * GELU_A) * GELU_C);
    const float du = GELU_C * (1.f + 3.f * GELU_A * x * x);
    c->y[i] = c->dy[i] * (0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * du);
  }
}

void dmx_gelu(const float *x, float *y, int64_t n) {
  GeluCtx c = {x, NULL, y};
  gelu_fwd(&c, 0, n, 0);
}

/* gelu(heap, x, y, n) */
napi_value dmx_Gelu(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  double a[4];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 4, argv, &base, &len, a) || bad_count(a[3])) THROW(env, "gelu(heap, x, y, n): bad arguments");
  const int64_t n = (int64_t)a[3];
  CHECK(a[1], n, "gelu");
  CHECK(a[2], n, "gelu");
  GeluCtx c = {F32(base, a[1]), NULL, F32(base, a[2])};
  dmx_parallel(n, 10.0 * (double)n, gelu_fwd, &c);
  return NULL;
}

/* geluGrad(heap, x, dy, dx, n) */
napi_value dmx_GeluGrad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  double a[5];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 5, argv, &base, &len, a) || bad_count(a[4])) THROW(env, "geluGrad(heap, x, dy, dx, n): bad arguments");
  const int64_t n = (int64_t)a[4];
  CHECK(a[1], n, "geluGrad");
  CHECK(a[2], n, "geluGrad");
  CHECK(a[3], n, "geluGrad");
  GeluCtx c = {F32(base, a[1]), F32(base, a[2]), F32(base, a[3])};
  dmx_parallel(n, 12.0 * (double)n, gelu_bwd, &c);
  return NULL;
}

/* ---- log softmax(logits / T) at target ids: logp[r] = z[r, t_r] - lse[r] (0 - lse for an id
   outside [0, V), as tfjs's one-hot pick gives); backward dz = dy (onehot - softmax), / T ---- */
typedef struct {
  const float *logits, *lse_in, *dy;
  const int32_t *targets;
  float *logp, *lse, *dx;
  int64_t V;
  float temp; /* 1: no division */
} PickCtx;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
/* z = l / T into row; returns max(z) */
static float scaled_max(const float *l, float *row, int64_t V, float T) {
  float mx = -INFINITY;
  for (int64_t j = 0; j < V; j++) {
    row[j] = T == 1.f ? l[j] : l[j] / T;
    mx = row[j] > mx ? row[j] : mx;
  }
  return mx;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
/* sum of exp(row - mx), 8 partial sums so the loop vectorizes */
static double sum_exp(const float *row, int64_t V, float mx) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= V; j += 8)
    for (int l = 0; l < 8; l++) acc[l] += exp_any(row[j + l] - mx);
  double s = 0;
  for (; j < V; j++) s += exp_any(row[j] - mx);
  for (int l = 0; l < 8; l++) s += acc[l];
  return s;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
/* dx = -g exp(l / T - lse) */
static void neg_softmax(const float *l, float *dx, int64_t V, float T, float lse, float g) {
  for (int64_t j = 0; j < V; j++) dx[j] = -g * exp_any((T == 1.f ? l[j] : l[j] / T) - lse);
}

static void pick_fwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const PickCtx *c = (const PickCtx *)c_;
  const int64_t V = c->V;
  float *row = (float *)malloc(sizeof(float) * (size_t)V);
  for (int64_t r = lo; r < hi; r++) {
    const float mx = scaled_max(c->logits + r * V, row, V, c->temp);
    const float lse = mx + (float)log(sum_exp(row, V, mx));
    const int32_t t = c->targets[r];
    c->lse[r] = lse;
    c->logp[r] = (t >= 0 && t < V ? row[t] : 0.f) - lse;
  }
  free(row);
}

static void pick_bwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const PickCtx *c = (const PickCtx *)c_;
  const int64_t V = c->V;
  for (int64_t r = lo; r < hi; r++) {
    const float g = c->dy[r] / c->temp;
    neg_softmax(c->logits + r * V, c->dx + r * V, V, c->temp, c->lse_in[r], g);
    const int32_t t = c->targets[r];
    if (t >= 0 && t < V) c->dx[r * V + t] += g;
  }
}

/* logSoftmaxPick(heap, logits, targets, logp, lse, rows, V, temperature) */
napi_value dmx_LogSoftmaxPick(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  double a[8];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 8, argv, &base, &len, a) || bad_count(a[5]) || bad_count(a[6]) || a[6] < 1 || !(a[7] > 0))
    THROW(env, "logSoftmaxPick(heap, logits, targets, logp, lse, rows, V, temperature): bad arguments");
  const int64_t rows = (int64_t)a[5], V = (int64_t)a[6];
  CHECK(a[1], rows * V, "logSoftmaxPick");
  CHECK(a[2], rows, "logSoftmaxPick");
  CHECK(a[3], rows, "logSoftmaxPick");
  CHECK(a[4], rows, "logSoftmaxPick");
  PickCtx c = {F32(base, a[1]), NULL, NULL, (const int32_t *)(base + (size_t)a[2]), F32(base, a[3]), F32(base, a[4]), NULL, V, (float)a[7]};
  dmx_parallel(rows, 6.0 * (double)rows * V, pick_fwd, &c);
  return NULL;
}

/* logSoftmaxPickGrad(heap, logits, targets, lse, dy, dlogits, rows, V, temperature) */
napi_value dmx_LogSoftmaxPickGrad(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  double a[9];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 9, argv, &base, &len, a) || bad_count(a[6]) || bad_count(a[7]) || a[7] < 1 || !(a[8] > 0))
    THROW(env, "logSoftmaxPickGrad(heap, logits, targets, lse, dy, dlogits, rows, V, temperature): bad arguments");
  const int64_t rows = (int64_t)a[6], V = (int64_t)a[7];
  CHECK(a[1], rows * V, "logSoftmaxPickGrad");
  CHECK(a[2], rows, "logSoftmaxPickGrad");
  CHECK(a[3], rows, "logSoftmaxPickGrad");
  CHECK(a[4], rows, "logSoftmaxPickGrad");
  CHECK(a[5], rows * V, "logSoftmaxPickGrad");
  PickCtx c = {F32(base, a[1]), F32(base, a[3]), F32(base, a[4]), (const int32_t *)(base + (size_t)a[2]), NULL, NULL, F32(base, a[5]), V, (float)a[8]};
  dmx_parallel(rows, 6.0 * (double)rows * V, pick_bwd, &c);
  return NULL;
}

/* ---- AdamW over many parameters in one call (decoupled weight decay), out of place:
   m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2;  p' = p (1 - lr wd)? - (lr / bc1) m' / (sqrt(v') / sqrt(bc2) + eps)
   Parameters are laid end to end and the element range is split over the threads. ---- */
typedef struct {
  char *base;
  const double *off; /* 7 per parameter: p, g, m, v, p', m', v' */
  const double *start; /* first element of each parameter in the concatenation; count + 1 entries */
  const double *decay;
  int64_t count;
  float b1, c1, b2, c2, eps, step, sqrtBc2, decayF;
} AdamCtx;

static void adam_range(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const AdamCtx *c = (const AdamCtx *)c_;
  for (int64_t k = 0; k < c->count; k++) {
    const int64_t s = (int64_t)c->start[k], e = (int64_t)c->start[k + 1];
    const int64_t a = lo > s ? lo : s, b = hi < e ? hi : e;
    if (a >= b) continue;
    const double *o = c->off + 7 * k;
    const float *p = F32(c->base, o[0]) - s, *g = F32(c->base, o[1]) - s, *m = F32(c->base, o[2]) - s, *v = F32(c->base, o[3]) - s;
    float *po = F32(c->base, o[4]) - s, *mo = F32(c->base, o[5]) - s, *vo = F32(c->base, o[6]) - s;
    const float dec = c->decay[k] != 0 ? c->decayF : 1.f;
    for (int64_t i = a; i < b; i++) {
      const float m1 = m[i] * c->b1 + g[i] * c->c1;
      const float v1 = v[i] * c->b2 + (g[i] * g[i]) * c->c2;
      const float base = dec == 1.f ? p[i] : p[i] * dec;
      mo[i] = m1;
      vo[i] = v1;
      po[i] = base - c->step * (m1 / (sqrtf(v1) / c->sqrtBc2 + c->eps));
    }
  }
}

/* adamw(heap, offsets Float64Array(7 count), sizes Float64Array(count), decay Float64Array(count), b1, b2, eps, stepSize, sqrtBc2, decayFactor) */
napi_value dmx_AdamW(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  double a[10];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 10, argv, &base, &len, a)) THROW(env, "adamw: bad arguments");
  const double *arr[3];
  size_t n[3];
  for (int i = 0; i < 3; i++) {
    bool isTa = false;
    napi_is_typedarray(env, argv[1 + i], &isTa);
    if (!isTa) THROW(env, "adamw: offsets, sizes and decay must be Float64Arrays");
    napi_typedarray_type t;
    void *data;
    napi_get_typedarray_info(env, argv[1 + i], &t, &n[i], &data, NULL, NULL);
    if (t != napi_float64_array) THROW(env, "adamw: offsets, sizes and decay must be Float64Arrays");
    arr[i] = (const double *)data;
  }
  const int64_t count = (int64_t)n[1];
  if (n[0] != 7 * n[1] || n[2] != n[1]) THROW(env, "adamw: offsets must hold 7 entries per parameter, decay one");
  double *start = (double *)malloc(sizeof(double) * (size_t)(count + 1));
  if (!start) THROW(env, "adamw: out of memory");
  start[0] = 0;
  for (int64_t k = 0; k < count; k++) {
    const double sz = arr[1][k];
    int ok = !bad_count(sz);
    for (int j = 0; ok && j < 7; j++) ok = in_heap(arr[0][7 * k + j], 4.0 * sz, len);
    if (!ok) {
      free(start);
      napi_throw_range_error(env, NULL, "adamw: an operand lies outside the heap or is misaligned");
      return NULL;
    }
    start[k + 1] = start[k] + sz;
  }
  AdamCtx c = {base, arr[0], start, arr[2], count, (float)a[4], (float)(1.0 - a[4]), (float)a[5], (float)(1.0 - a[5]),
               (float)a[6], (float)a[7], (float)a[8], (float)a[9]};
  /* the stock path computes 1 - b1 and 1 - b2 in float64 before making float32 scalars: the same here */
  dmx_parallel((int64_t)start[count], 12.0 * start[count], adam_range, &c);
  free(start);
  return NULL;
}
