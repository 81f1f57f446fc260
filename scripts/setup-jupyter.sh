#!/usr/bin/env bash
# Install Debian's Jupyter (when missing) and register the project's tslab kernel, "deepmedix"
# (another name with DEEPMEDIX_KERNEL=NAME, e.g. for a second clone).
# The kernel starts in the project root, so notebooks import the library as './src/…'
# (tslab compiles only files under the kernel's working directory).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name="${DEEPMEDIX_KERNEL:-deepmedix}"
need=()
command -v jupyter >/dev/null 2>&1 || need+=(jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  echo "[setup:jupyter] installing Debian packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel >/dev/null
fi
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
