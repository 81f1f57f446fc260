#!/usr/bin/env bash
# Install Debian's Jupyter (when missing, through scripts/setup.sh) and register the project's tslab kernel, "deepmedix"
# (another name with DEEPMEDIX_KERNEL=NAME, e.g. for a second clone).
# The kernel starts in the project root, so notebooks import the library as './src/…'
# (tslab compiles only files under the kernel's working directory).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="${DEEPMEDIX_KERNEL:-deepmedix}"
command -v jupyter >/dev/null 2>&1 || bash "$root/scripts/setup.sh" notebooks
command -v jupyter >/dev/null 2>&1 || { echo "[setup:jupyter] no jupyter on PATH (see the line above)" >&2; exit 1; }
[ -x "$root/node_modules/.bin/tslab" ] || { echo "[setup:jupyter] node_modules/.bin/tslab missing: run 'npm ci' first" >&2; exit 1; }
spec="$(mktemp -d)/$name"
mkdir -p "$spec"
cat > "$spec/kernel.json" <<JSON
{
  "argv": ["/bin/sh", "-c", "cd '$root' && exec '$root/node_modules/.bin/tslab' kernel --config-path \"\$0\"", "{connection_file}"],
  "display_name": "DeepMedix (TypeScript, tslab)",
  "language": "typescript"
}
JSON
jupyter kernelspec install --user --replace --name "$name" "$spec" >/dev/null
rm -rf "$(dirname "$spec")"
echo "[setup:jupyter] kernel '$name' registered (starts in $root)"
