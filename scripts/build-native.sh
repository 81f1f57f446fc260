#!/usr/bin/env bash
# Build the optional OpenBLAS N-API addon (native/*.c) used by src/kernels for fast
# matrix products on the wasm backend. Needs a C compiler, Node's headers (node_api.h) and
# OpenBLAS (Debian: apt-get install -y gcc libopenblas-dev). Without them it prints why and exits
# 0 (or 1 with --strict): the workbench then runs on stock tfjs kernels.
# Output: $DEEPMEDIX_NATIVE_DIR (default node_modules/.cache/deepmedix-native)/deepmedix_blas.node
set -euo pipefail
cd "$(dirname "$0")/.."
strict=0; [[ "${1:-}" == "--strict" ]] && strict=1
skip() { echo "[build-native] skipped: $*" >&2; exit $strict; }

out_dir="${DEEPMEDIX_NATIVE_DIR:-node_modules/.cache/deepmedix-native}"
cc="${CC:-}"
if [[ -z "$cc" ]]; then for c in gcc cc clang; do command -v "$c" >/dev/null && { cc="$c"; break; }; done; fi
[[ -n "$cc" ]] || skip "no C compiler (gcc/cc/clang) on PATH"

node_bin="$(command -v node || true)"
inc=""
for d in "${NODE_INCLUDE_DIR:-}" "$(dirname "$(dirname "${node_bin:-/x/x}")")/include/node" /usr/include/node /usr/local/include/node \
         "$HOME/.cache/node-gyp/$(node -p process.versions.node 2>/dev/null)/include/node"; do
  [[ -n "$d" && -f "$d/node_api.h" ]] && { inc="$d"; break; }
done
[[ -n "$inc" ]] || skip "Node headers (node_api.h) not found; set NODE_INCLUDE_DIR or install Node's headers"

blas_inc=""
brew_blas="$(brew --prefix openblas 2>/dev/null || true)"   # macOS: brew install openblas
for d in "${OPENBLAS_INCLUDE_DIR:-}" /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/aarch64-linux-gnu/openblas-pthread \
         /usr/include/openblas /usr/include /usr/local/include ${brew_blas:+"$brew_blas/include"}; do
  [[ -n "$d" && -f "$d/cblas.h" ]] && { blas_inc="$d"; break; }
done
[[ -n "$blas_inc" ]] || skip "cblas.h not found (apt-get install -y libopenblas-dev)"

extra=()
[[ -n "${OPENBLAS_LIB_DIR:-}" ]] && extra+=(-L"$OPENBLAS_LIB_DIR")
[[ -n "$brew_blas" ]] && extra+=(-L"$brew_blas/lib")
[[ "$(uname)" == Darwin ]] && extra+=(-undefined dynamic_lookup)   # N-API symbols come from node at load time
mkdir -p "$out_dir"
tmp="$out_dir/deepmedix_blas.node.tmp.$$"
if ! "$cc" -O3 -fno-math-errno -fno-trapping-math -fvisibility=hidden -fPIC -shared -std=c11 -D_GNU_SOURCE \
      -DNODE_GYP_MODULE_NAME=deepmedix_blas -I"$inc" -I"$blas_inc" native/*.c -o "$tmp" "${extra[@]}" -lopenblas -lpthread -lm \
      2> "$out_dir/build.log"; then
  cat "$out_dir/build.log" >&2; rm -f "$tmp"
  skip "compile/link failed (is libopenblas-dev installed?); log above"
fi
mv -f "$tmp" "$out_dir/deepmedix_blas.node"
echo "[build-native] built $out_dir/deepmedix_blas.node ($cc, headers $inc, cblas $blas_inc)" >&2
