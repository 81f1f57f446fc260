/*
 * deepmedix_blas: fused multi-head attention on the wasm heap (see blas-addon.c).
 *
 * Layout (the model's): qkv is [B, T, 3, H, dh] — each row of the fused QKV projection holds the
 * queries, keys and values of every head — and the output is [B, T, H, dh], the heads already
 * merged, so no transposes are needed on either side. Per (batch, head):
 *   S = scale Q K^T + mask;  P = softmax(S) over keys;  O = P V
 * The additive mask is [mB, mQ, mT] (mB in {1, B}, mQ in {1, Tq}, mT >= Tk: key j of query row i
 * reads mask[b or 0][i or 0][j]), so a [T, T] prefix-causal mask, a [B, 1, 1, T] key-pad mask and
 * their sum all pass without copies. Heads are split over the addon's threads.
 *
 *   attention(heap, qkv, mask, out, probs, B, T, H, dh, mB, mQ, mT, scale)         probs: [B, H, T, T] kept for the backward
 *   attentionGrad(heap, qkv, probs, dOut, dQkv, B, T, H, dh, scale)
 *   attendCache(heap, qkv, kCache, vCache, mask, out, B, Tq, H, dh, Tmax, pos, mB, mQ, mT, scale)
 *      writes the Tq new keys/values into caches [B, Tmax, H*dh] at rows pos.., then attends the Tq
 *      queries to keys 0 .. pos+Tq-1 (generation: the cache is written in place, never copied).
 * mask offset -1: no mask.
 */
#include "addon.h"

typedef struct {
  char *base;
  const float *qkv, *mask, *probs_in, *dout;
  float *out, *probs, *dqkv;
  const float *kc, *vc; /* attendCache: caches */
  int64_t B, T, Tk, H, dh, mB, mQ, mT, Tmax;
  float scale;
} AttnCtx;

static inline const float *mask_row(const AttnCtx *c, int64_t b, int64_t i) {
  if (!c->mask) return NULL;
  return c->mask + (c->mB == 1 ? 0 : b) * c->mQ * c->mT + (c->mQ == 1 ? 0 : i) * c->mT;
}

/* In place: row <- softmax(row + mask) over n entries (loops kept simple so they vectorize). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
static void softmax_row(float *row, const float *m, int64_t n) {
  if (m)
    for (int64_t j = 0; j < n; j++) row[j] += m[j];
  float mx = -INFINITY;
  for (int64_t j = 0; j < n; j++) mx = row[j] > mx ? row[j] : mx;
  for (int64_t j = 0; j < n; j++) row[j] = exp_any(row[j] - mx);
  /* A plain left-to-right sum: masked keys (exp = 0) at the end of a row then change nothing, so
     a query attending to the first k keys of a cache gets the same bits as the same query in the
     full causal sequence (GRPO's ratio pi/pi_old is then 1 before an update, bit for bit where the
     BLAS rounds a one-row product as the same row in a batch; with OpenBLAS's Zen kernels the last
     bit differs, 1 - 6e-8). */
  float s = 0;
  for (int64_t j = 0; j < n; j++) s += row[j];
  const float inv = 1.f / s;
  for (int64_t j = 0; j < n; j++) row[j] *= inv;
}

static void attn_fwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const AttnCtx *c = (const AttnCtx *)c_;
  const int64_t T = c->T, H = c->H, dh = c->dh, D = H * dh, ld = 3 * D;
  for (int64_t bh = lo; bh < hi; bh++) {
    const int64_t b = bh / H, h = bh % H;
    const float *q = c->qkv + b * T * ld + h * dh, *k = q + D, *v = q + 2 * D;
    float *s = c->probs + bh * T * T;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)T, (int)dh, c->scale, q, (int)ld, k, (int)ld, 0.f, s, (int)T);
    for (int64_t i = 0; i < T; i++) softmax_row(s + i * T, mask_row(c, b, i), T);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)dh, (int)T, 1.f, s, (int)T, v, (int)ld, 0.f,
                c->out + b * T * D + h * dh, (int)D);
  }
}

static void attn_bwd(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const AttnCtx *c = (const AttnCtx *)c_;
  const int64_t T = c->T, H = c->H, dh = c->dh, D = H * dh, ld = 3 * D;
  float *dp = (float *)malloc(sizeof(float) * (size_t)(T * T));
  for (int64_t bh = lo; bh < hi; bh++) {
    const int64_t b = bh / H, h = bh % H;
    const float *q = c->qkv + b * T * ld + h * dh, *k = q + D, *v = q + 2 * D;
    const float *p = c->probs_in + bh * T * T, *dout = c->dout + b * T * D + h * dh;
    float *dq = c->dqkv + b * T * ld + h * dh, *dk = dq + D, *dv = dq + 2 * D;
    /* dV = P^T dO;  dP = dO V^T;  dS = P (dP - rowsum(dP P));  dQ = scale dS K;  dK = scale dS^T Q */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)T, (int)dh, (int)T, 1.f, p, (int)T, dout, (int)D, 0.f, dv, (int)ld);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T, (int)T, (int)dh, 1.f, dout, (int)D, v, (int)ld, 0.f, dp, (int)T);
    for (int64_t i = 0; i < T; i++) {
      float *r = dp + i * T;
      const float *pr = p + i * T;
      float s = 0;
      for (int64_t j = 0; j < T; j++) s += r[j] * pr[j];
      for (int64_t j = 0; j < T; j++) r[j] = pr[j] * (r[j] - s);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)T, (int)dh, (int)T, c->scale, dp, (int)T, k, (int)ld, 0.f, dq, (int)ld);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)T, (int)dh, (int)T, c->scale, dp, (int)T, q, (int)ld, 0.f, dk, (int)ld);
  }
  free(dp);
}

/* Queries [Tq] of (b, h) against cached keys [0, Tk). */
static void attn_cache(void *c_, int64_t lo, int64_t hi, int tid) {
  (void)tid;
  const AttnCtx *c = (const AttnCtx *)c_;
  const int64_t Tq = c->T, Tk = c->Tk, H = c->H, dh = c->dh, D = H * dh, ld = 3 * D;
  float *s = (float *)malloc(sizeof(float) * (size_t)(Tq * Tk));
  for (int64_t bh = lo; bh < hi; bh++) {
    const int64_t b = bh / H, h = bh % H;
    const float *q = c->qkv + b * Tq * ld + h * dh;
    const float *k = c->kc + b * c->Tmax * D + h * dh, *v = c->vc + b * c->Tmax * D + h * dh;
    float *o = c->out + b * Tq * D + h * dh;
    /* sgemm also for one query: the same products, in the same order, as attention() computes for
       the full sequence (see softmax_row); plain loops or sgemv were faster here (about 160 instead
       of 200 us per generated token) but round differently, and GRPO's ratio then left 1 */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Tq, (int)Tk, (int)dh, c->scale, q, (int)ld, k, (int)D, 0.f, s, (int)Tk);
    for (int64_t i = 0; i < Tq; i++) softmax_row(s + i * Tk, mask_row(c, b, i), Tk);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Tq, (int)dh, (int)Tk, 1.f, s, (int)Tk, v, (int)D, 0.f, o, (int)D);
  }
  free(s);
}

void dmx_attend_cache(const float *qkv, float *kc, float *vc, const float *mask, float *out, int64_t B, int64_t Tq, int64_t H, int64_t dh,
                      int64_t Tmax, int64_t pos, int64_t mB, int64_t mQ, int64_t mT, float scale) {
  const int64_t D = H * dh, Tk = pos + Tq;
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < Tq; t++) {
      const float *row = qkv + (b * Tq + t) * 3 * D;
      memcpy(kc + (b * Tmax + pos + t) * D, row + D, sizeof(float) * (size_t)D);
      memcpy(vc + (b * Tmax + pos + t) * D, row + 2 * D, sizeof(float) * (size_t)D);
    }
  AttnCtx c = {NULL, qkv, mask, NULL, NULL, out, NULL, NULL, kc, vc, B, Tq, Tk, H, dh, mB, mQ, mT, Tmax, scale};
  dmx_parallel(B * H, 2.0 * (double)B * H * Tq * Tk * dh, attn_cache, &c);
}

int dmx_counts_ok(const double *a, int from, int to) {
  for (int i = from; i <= to; i++)
    if (!(a[i] >= 0 && a[i] <= 2.0e9 && a[i] == floor(a[i]))) return 0;
  return 1;
}

#define counts_ok dmx_counts_ok

napi_value dmx_Attention(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  double a[13];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 13, argv, &base, &len, a) || !counts_ok(a, 5, 11) || !(a[12] == a[12]) || a[6] < 1 || a[8] < 1)
    THROW(env, "attention(heap, qkv, mask, out, probs, B, T, H, dh, mB, mQ, mT, scale): bad arguments");
  const int64_t B = (int64_t)a[5], T = (int64_t)a[6], H = (int64_t)a[7], dh = (int64_t)a[8];
  const int64_t mB = (int64_t)a[9], mQ = (int64_t)a[10], mT = (int64_t)a[11], D = H * dh;
  CHECK(a[1], B * T * 3 * D, "attention");
  CHECK(a[3], B * T * D, "attention");
  CHECK(a[4], B * H * T * T, "attention");
  if (a[2] >= 0) {
    if ((mB != 1 && mB != B) || (mQ != 1 && mQ != T) || mT < T) THROW(env, "attention: mask must be [1 or B, 1 or T, >= T]");
    CHECK(a[2], mB * mQ * mT, "attention");
  }
  AttnCtx c = {base, F32(base, a[1]), a[2] >= 0 ? F32(base, a[2]) : NULL, NULL, NULL, F32(base, a[3]), F32(base, a[4]), NULL,
               NULL, NULL, B, T, T, H, dh, mB, mQ, mT, 0, (float)a[12]};
  dmx_parallel(B * H, 2.0 * (double)B * H * T * T * dh, attn_fwd, &c);
  return NULL;
}

napi_value dmx_AttentionGrad(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  double a[10];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 10, argv, &base, &len, a) || !counts_ok(a, 5, 8) || !(a[9] == a[9]) || a[6] < 1 || a[8] < 1)
    THROW(env, "attentionGrad(heap, qkv, probs, dOut, dQkv, B, T, H, dh, scale): bad arguments");
  const int64_t B = (int64_t)a[5], T = (int64_t)a[6], H = (int64_t)a[7], dh = (int64_t)a[8], D = H * dh;
  CHECK(a[1], B * T * 3 * D, "attentionGrad");
  CHECK(a[2], B * H * T * T, "attentionGrad");
  CHECK(a[3], B * T * D, "attentionGrad");
  CHECK(a[4], B * T * 3 * D, "attentionGrad");
  AttnCtx c = {base, F32(base, a[1]), NULL, F32(base, a[2]), F32(base, a[3]), NULL, NULL, F32(base, a[4]),
               NULL, NULL, B, T, T, H, dh, 1, 1, T, 0, (float)a[9]};
  dmx_parallel(B * H, 4.0 * (double)B * H * T * T * dh, attn_bwd, &c);
  return NULL;
}

napi_value dmx_AttendCache(napi_env env, napi_callback_info info) {
  napi_value argv[16];
  double a[16];
  char *base;
  size_t len;
  if (!get_heap_nums(env, info, 16, argv, &base, &len, a) || !counts_ok(a, 6, 14) || !(a[15] == a[15]) || a[7] < 1 || a[9] < 1)
    THROW(env, "attendCache(heap, qkv, kCache, vCache, mask, out, B, Tq, H, dh, Tmax, pos, mB, mQ, mT, scale): bad arguments");
  const int64_t B = (int64_t)a[6], Tq = (int64_t)a[7], H = (int64_t)a[8], dh = (int64_t)a[9], Tmax = (int64_t)a[10], pos = (int64_t)a[11];
  const int64_t mB = (int64_t)a[12], mQ = (int64_t)a[13], mT = (int64_t)a[14], D = H * dh, Tk = pos + Tq;
  if (Tk > Tmax) THROW(env, "attendCache: the cache is full");
  CHECK(a[1], B * Tq * 3 * D, "attendCache");
  CHECK(a[2], B * Tmax * D, "attendCache");
  CHECK(a[3], B * Tmax * D, "attendCache");
  CHECK(a[5], B * Tq * D, "attendCache");
  if (a[4] >= 0) {
    if ((mB != 1 && mB != B) || (mQ != 1 && mQ != Tq) || mT < Tk) THROW(env, "attendCache: mask must be [1 or B, 1 or Tq, >= keys]");
    CHECK(a[4], mB * mQ * mT, "attendCache");
  }
  dmx_attend_cache(F32(base, a[1]), F32(base, a[2]), F32(base, a[3]), a[4] >= 0 ? F32(base, a[4]) : NULL, F32(base, a[5]), B, Tq, H, dh, Tmax, pos,
                   mB, mQ, mT, (float)a[15]);
  return NULL;
}
