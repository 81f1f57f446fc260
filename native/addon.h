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


napi_value dmx_Transpose(napi_env env, napi_callback_info info);
napi_value dmx_Sum(napi_env env, napi_callback_info info);
napi_value dmx_Tanh(napi_env env, napi_callback_info info);
napi_value dmx_Exp(napi_env env, napi_callback_info info);
napi_value dmx_Compare(napi_env env, napi_callback_info info);

#endif
