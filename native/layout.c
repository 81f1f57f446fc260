/* deepmedix_blas: Transpose and Sum on the wasm heap (see blas-addon.c for the exported API). */
#include "addon.h"

napi_value dmx_Transpose(napi_env env, napi_callback_info info) {
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
napi_value dmx_Sum(napi_env env, napi_callback_info info) {
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

