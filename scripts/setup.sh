#!/usr/bin/env bash
# The workbench's system set-up, run by `npm start` (prestart), `npm test` (pretest), the notebooks
# and .ci/run, so the README's two commands are all a fresh Debian/Ubuntu machine needs.
#
#   bash scripts/setup.sh GROUP...      groups:
#     addon       gcc libopenblas-dev      the OpenBLAS kernels (then builds the addon)
#     browser     chromium                 figure export (PNG/SVG) and the browser tests
#     references  python3-nltk wordnet     the Python/NLTK and WordNet references tests compare against
#     notebooks   jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel
#     bench       python3-torch            the PyTorch peer of bench/
#
# Only missing packages are installed (a check with dpkg takes milliseconds), with apt-get as root
# or through `sudo -n` (never a password prompt). Where neither is possible, or there is no
# apt-get (macOS, other Linux: see environment.md), it says what is missing and what to run, and
# exits 0: the workbench then runs without those parts (stock kernels, no PNG export, skipped
# reference tests). DEEPMEDIX_SETUP=0 skips it all. Prints the time it took.
set -uo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s%3N)
say() { echo "[setup] $*" >&2; }
[[ "${DEEPMEDIX_SETUP:-1}" == "0" ]] && exit 0

declare -A GROUP=(
  [addon]="gcc libopenblas-dev"
  [browser]="chromium"
  [references]="python3-nltk wordnet"
  [notebooks]="jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel"
  [bench]="python3-torch"
)
want=()
for g in "$@"; do
  [[ -n "${GROUP[$g]:-}" ]] || { say "unknown group '$g' (known: ${!GROUP[*]})"; exit 2; }
  want+=(${GROUP[$g]})
done

missing=()
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "no apt-get here (macOS, non-Debian Linux): install the equivalents of '${want[*]}' yourself (environment.md lists them)"
else
  for p in "${want[@]}"; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
  done
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  can=1
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    can=0
    say "missing Debian packages: ${missing[*]}; not root and no password-less sudo, so not installing them."
    say "to install them: sudo apt-get install -y ${missing[*]}"
    missing=()
  fi
  if [[ $can -eq 1 ]]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The package lists of a fresh machine are empty: update once, then install.
    log="${TMPDIR:-/tmp}/deepmedix-apt.log"
    if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >"$log" 2>&1; then
      "${sudo[@]}" apt-get update -qq >>"$log" 2>&1
      "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >>"$log" 2>&1 ||
        say "apt-get could not install ${missing[*]} (log: $log); going on without them"
    fi
  fi
fi

# The addon: (re)build when it is missing or older than native/ (seconds; skips, saying why, without gcc/OpenBLAS).
if [[ " $* " == *" addon "* && "${DEEPMEDIX_NATIVE:-}" != "off" ]]; then
  out="${DEEPMEDIX_NATIVE_DIR:-node_modules/.cache/deepmedix-native}/deepmedix_blas.node"
  if [[ ! -f "$out" || -n "$(find native -newer "$out" -name '*.[ch]' 2>/dev/null)" ]]; then
    rm -f "$(dirname "$out")/build-failed.txt"
    bash scripts/build-native.sh || true
  fi
fi
ms=$(($(date +%s%3N) - t0))
say "$* ready in $((ms / 1000)).$(((ms % 1000) / 100)) s"
