#!/usr/bin/env bash
# Installs the clients written by others that the suite runs against the router (test/clients/), root or not:
#   grpcurl  -> .tools/grpcurl-<GRPCURL_VERSION>/grpcurl     go install, version pinned in tools/versions.env
#   Python   -> .tools/python-clients, a link to a virtualenv in ~/.cache/modeswitch (MODESWITCH_CACHE_DIR)         openai, guidellm, inference-perf from PyPI, every
#               package pinned (tools/python/requirements.txt and constraints.txt); needs Python 3.12 or newer
#               (inference-perf 0.7 requires it). guidellm pulls in PyTorch, whose PyPI wheels bring NVIDIA's CUDA
#               libraries: about 6 GB on disk, downloaded once.
#   tokenizer -> .tools/llama3-tokenizer-<version>           a Hugging Face tokenizer directory built from the npm
#               package llama3-tokenizer-js (scripts/build-llama3-tokenizer.mjs): no model hub
# Idempotent: each step is skipped when what it made is there and current.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../tools/versions.env
source "${repo_root}/tools/versions.env"
tools="${repo_root}/.tools"

die() {
  echo "setup: $*" >&2
  exit 1
}

install_grpcurl() {
  local out="${tools}/grpcurl-${GRPCURL_VERSION}"
  if [[ -x "${out}/grpcurl" ]]; then
    echo "grpcurl: ${GRPCURL_VERSION} already at ${out}"
    return
  fi
  command -v go >/dev/null 2>&1 || die "'go' is not on PATH; install Go 1.24 or newer (it builds grpcurl and the control plane)"
  rm -rf "${out}.partial"
  mkdir -p "${out}.partial"
  # GOFLAGS cleared: a -mod flag set for module builds makes `go install pkg@version` fail.
  GOFLAGS="" CGO_ENABLED=0 GOBIN="${out}.partial" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@${GRPCURL_VERSION}"
  rm -rf "${out}"
  mv "${out}.partial" "${out}"
  echo "grpcurl: installed ${GRPCURL_VERSION} to ${out}"
}

# The first Python 3.12+ on PATH, else one that pyenv installed (pyenv puts only its selected version on PATH).
find_python() {
  local candidate
  local candidates=(python3.13 python3.12 python3)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.1[2-9]*/bin/python3)
  fi
  for candidate in "${candidates[@]}"; do
    if command -v "${candidate}" >/dev/null 2>&1 &&
      "${candidate}" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "${candidate}"
      return
    fi
  done
  die "no Python 3.12 or newer on PATH (inference-perf 0.7 needs it); install python3.12 and python3.12-venv"
}

# The virtualenv is ~6 GB and takes minutes to install, so it lives in the user's cache, keyed by its pins and the
# interpreter, and .tools/python-clients links to it: a second clone on the same machine (CI's) reuses it.
install_python_clients() {
  local link="${tools}/python-clients" python stamp key venv
  python="$(find_python)"
  stamp="$(cat "${repo_root}/tools/python/requirements.txt" "${repo_root}/tools/python/constraints.txt" |
    sha256sum | cut -c1-16) $("${python}" -c 'import sys; print(sys.version.split()[0])')"
  key="$(echo "${stamp}" | sha256sum | cut -c1-16)"
  venv="${MODESWITCH_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/modeswitch}/python-clients-${key}"
  if [[ ! -f "${venv}/.installed" || "$(cat "${venv}/.installed")" != "${stamp}" ]]; then
    rm -rf "${venv}"
    mkdir -p "$(dirname "${venv}")"
    "${python}" -m venv "${venv}" ||
      die "${python} -m venv failed; install the venv module (Debian: python3-venv for that Python)"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check \
      -r "${repo_root}/tools/python/requirements.txt" -c "${repo_root}/tools/python/constraints.txt"
    echo "${stamp}" >"${venv}/.installed"
    echo "python clients: installed into ${venv}"
  else
    echo "python clients: already at ${venv}"
  fi
  mkdir -p "${tools}"
  if [[ "$(readlink "${link}" 2>/dev/null)" != "${venv}" ]]; then
    rm -rf "${link}"
    ln -s "${venv}" "${link}"
  fi
}

install_tokenizer() {
  local version out
  version="$(node -p 'require("./node_modules/llama3-tokenizer-js/package.json").version' 2>/dev/null)" ||
    die "llama3-tokenizer-js is not in node_modules; run 'npm ci' first"
  out="${tools}/llama3-tokenizer-${version}"
  if [[ -f "${out}/tokenizer.json" ]]; then
    echo "tokenizer: already at ${out}"
    return
  fi
  node "${repo_root}/scripts/build-llama3-tokenizer.mjs" "${out}"
}

cd "${repo_root}"
install_grpcurl
install_python_clients
install_tokenizer
