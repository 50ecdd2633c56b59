#!/usr/bin/env bash
# Builds the local control plane's binaries from the published Go modules pinned in tools/:
#   .tools/k8s-<KUBERNETES_VERSION>/{kube-apiserver,kube-controller-manager,kube-scheduler}
#   .tools/etcd-<ETCD_VERSION>/etcd
#   .tools/kwok-<KWOK_VERSION>/kwok
# Each directory is keyed by version, so a re-run reuses what is there and only the first run on a machine pays
# (measured on 2 cores: see docs/local-cluster.md). Needs `go` (1.24 or newer) and the Go module proxy.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../tools/versions.env
source "${repo_root}/tools/versions.env"

if ! command -v go >/dev/null 2>&1; then
  echo "cluster build: 'go' is not on PATH; install Go 1.24 or newer (Debian: golang-go from backports)" >&2
  exit 1
fi

# Static binaries as upstream builds them (kubernetes hack/lib/golang.sh); -mod=mod lets go add go.sum lines for a
# module whose go.sum is incomplete instead of failing.
export CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"

# The version a tools/<name>/go.mod requires must be the one versions.env names, or the cache key lies.
check_pin() {
  local module_dir="$1" module="$2" want="$3" got
  got="$(sed -n "s|^require ${module} \(v[^ ]*\)$|\1|p" "${repo_root}/tools/${module_dir}/go.mod")"
  if [[ "${got}" != "${want}" ]]; then
    echo "cluster build: tools/${module_dir}/go.mod requires ${module} ${got:-<nothing>}, tools/versions.env says ${want}" >&2
    exit 1
  fi
}

# Runs one build step, printing how long it took.
timed() {
  local label="$1" start
  shift
  start="$(date +%s)"
  "$@"
  echo "cluster build: ${label} took $(( $(date +%s) - start ))s"
}

build_kubernetes() {
  local out="${repo_root}/.tools/k8s-${KUBERNETES_VERSION}"
  if [[ -x "${out}/kube-apiserver" && -x "${out}/kube-controller-manager" && -x "${out}/kube-scheduler" ]]; then
    echo "cluster build: kubernetes ${KUBERNETES_VERSION} already at ${out}"
    return
  fi
  check_pin k8s k8s.io/kubernetes "${KUBERNETES_VERSION}"
  local minor="${KUBERNETES_VERSION#v1.}"
  minor="${minor%%.*}"
  # kube::version::ldflags sets each key on both packages; gitVersion must be the exact module version, or the
  # server's emulation-version check can refuse to start.
  local ldflags="-s -w" key value
  for key in gitVersion:"${KUBERNETES_VERSION}" gitMajor:1 gitMinor:"${minor}" gitTreeState:clean \
    buildDate:"$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    value="${key#*:}"
    key="${key%%:*}"
    ldflags+=" -X k8s.io/client-go/pkg/version.${key}=${value} -X k8s.io/component-base/version.${key}=${value}"
  done
  mkdir -p "${out}.partial"
  (cd "${repo_root}/tools/k8s" && go build -trimpath -tags=selinux,notest -ldflags "${ldflags}" -o "${out}.partial/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler)
  rm -rf "${out}"
  mv "${out}.partial" "${out}"
}

# Builds one main package of a tools/<module_dir> module to .tools/<name>-<version>/<binary>.
build_single() {
  local name="$1" version="$2" module_dir="$3" module="$4" package="$5" binary="$6"
  local out="${repo_root}/.tools/${name}-${version}"
  if [[ -x "${out}/${binary}" ]]; then
    echo "cluster build: ${name} ${version} already at ${out}"
    return
  fi
  check_pin "${module_dir}" "${module}" "${version}"
  mkdir -p "${out}.partial"
  (cd "${repo_root}/tools/${module_dir}" && go build -trimpath -ldflags "-s -w" -o "${out}.partial/${binary}" "${package}")
  rm -rf "${out}"
  mv "${out}.partial" "${out}"
}

timed "etcd ${ETCD_VERSION}" build_single etcd "${ETCD_VERSION}" etcd go.etcd.io/etcd/server/v3 go.etcd.io/etcd/server/v3 etcd
timed "kwok ${KWOK_VERSION}" build_single kwok "${KWOK_VERSION}" kwok sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok kwok
timed "kubernetes ${KUBERNETES_VERSION}" build_kubernetes
