/*
 * deepmedix_blas: one pre-norm decoder block for KV-cached generation in a single call (see
 * blas-addon.c). For the Tq new positions of B rows, h [B·Tq, d]:
 *   a  = LN(h; ln1)            qkv = a Wqkv + bqkv        (keys/values written into the caches at pos)
 *   c  = attention(qkv, caches, mask)                      (dmx_attend_cache)
 *   h1 = h + c Wo + bo         m = LN(h1; ln2)
 *   out = h1 + GELU(m W1 + b1) W2 + b2
 * the same arithmetic, step by step, as the separate fused kernels (layerNorm, _FusedMatMul with
 * bias, attendCache, gelu), so generation picks the same tokens either way; it replaces about 15
 * tfjs kernel calls per layer and token step.
 *
 *   decoderStep(heap, offsets Float64Array(17), B, Tq, H, dh, F, Tmax, pos, mB, mQ, mT, eps)
 *     offsets: h, ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, w1, b1, w2, b2, kCache, vCache, mask (-1: none), out
 */
#include "addon.h"

static void linear_bias(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t in, int64_t out) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)out, (int)in, 1.f, x, (int)in, w, (int)out, 0.f, y, (int)out);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < out; j++) y[r * out + j] += b[j];
}

napi_value dmx_DecoderStep(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  double a[13];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 13, argv, &base, &len, a) || !dmx_counts_ok(a, 2, 11) || !(a[12] >= 0) || a[3] < 1 || a[4] < 1 || a[5] < 1 || a[2] < 1)
    THROW(env, "decoderStep(heap, offsets, B, Tq, H, dh, F, Tmax, pos, mB, mQ, mT, eps): bad arguments");
  bool isTa = false;
  napi_is_typedarray(env, argv[1], &isTa);
  if (!isTa) THROW(env, "decoderStep: offsets must be a Float64Array");
  napi_typedarray_type t;
  size_t n;
  void *data;
  napi_get_typedarray_info(env, argv[1], &t, &n, &data, NULL, NULL);
  if (t != napi_float64_array || n != 17) THROW(env, "decoderStep: offsets must be a Float64Array of 17");
  const double *o = (const double *)data;
  const int64_t B = (int64_t)a[2], Tq = (int64_t)a[3], H = (int64_t)a[4], dh = (int64_t)a[5], F = (int64_t)a[6];
  const int64_t Tmax = (int64_t)a[7], pos = (int64_t)a[8], mB = (int64_t)a[9], mQ = (int64_t)a[10], mT = (int64_t)a[11];
  const int64_t d = H * dh, R = B * Tq;
  if (pos + Tq > Tmax) THROW(env, "decoderStep: the cache is full");
  const double sizes[17] = {(double)R * d, d, d, (double)d * 3 * d, 3.0 * d, (double)d * d, d, d, d, (double)d * F, F, (double)F * d, d,
                            (double)B * Tmax * d, (double)B * Tmax * d, (double)mB * mQ * mT, (double)R * d};
  for (int i = 0; i < 17; i++) {
    if (i == 15 && o[i] < 0) continue;
    CHECK(o[i], sizes[i], "decoderStep");
  }
  if (o[15] >= 0 && ((mB != 1 && mB != B) || (mQ != 1 && mQ != Tq) || mT < pos + Tq)) THROW(env, "decoderStep: mask must be [1 or B, 1 or Tq, >= keys]");
  float *s = (float *)malloc(sizeof(float) * (size_t)(R * (6 * d + F) + 2 * R));
  if (!s) THROW(env, "decoderStep: out of memory");
  float *x = s, *qkv = x + R * d, *ctx = qkv + 3 * R * d, *h1 = ctx + R * d, *f = h1 + R * d, *stats = f + R * F;
  const float *h = F32(base, o[0]);
  float *out = F32(base, o[16]);
  const float eps = (float)a[12];
  dmx_blas_single(); /* a few rows: one thread (as the gemm kernel chooses for products this small) */
  dmx_layer_norm(h, F32(base, o[1]), F32(base, o[2]), x, stats, stats + R, R, d, eps);
  linear_bias(x, F32(base, o[3]), F32(base, o[4]), qkv, R, d, 3 * d);
  dmx_attend_cache(qkv, F32(base, o[13]), F32(base, o[14]), o[15] >= 0 ? F32(base, o[15]) : NULL, ctx, B, Tq, H, dh, Tmax, pos, mB, mQ, mT,
                   (float)(1.0 / sqrt((double)dh)));
  linear_bias(ctx, F32(base, o[5]), F32(base, o[6]), h1, R, d, d);
  for (int64_t i = 0; i < R * d; i++) h1[i] += h[i];
  dmx_layer_norm(h1, F32(base, o[7]), F32(base, o[8]), x, stats, stats + R, R, d, eps);
  linear_bias(x, F32(base, o[9]), F32(base, o[10]), f, R, d, F);
  dmx_gelu(f, f, R * F);
  linear_bias(f, F32(base, o[11]), F32(base, o[12]), out, R, F, d);
  for (int64_t i = 0; i < R * d; i++) out[i] += h1[i];
  free(s);
  return NULL;
}
