#!/usr/bin/env bash
# Installs what `npm run bench -- router` compares the router with (run as root on Debian):
#   nginx, haproxy, wrk      -> from Debian's apt repository (not started: the bench runs them in the foreground)
#   Portkey's AI gateway     -> .tools/portkey (its own folder and lockfile, never a dependency of ModeSwitch),
#                               @portkey-ai/gateway 1.15.2 with @hono/node-server pinned to 1.13.5: with newer ones
#                               every streamed request fails with `TypeError: immutable` (upstream #1389, #1550)
# Idempotent: each step is skipped when its tool is already there.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
portkey_dir="${repo_root}/.tools/portkey"
portkey_version="1.15.2"

missing=()
for tool in nginx haproxy wrk; do
  command -v "${tool}" >/dev/null 2>&1 || [[ -x "/usr/sbin/${tool}" ]] || missing+=("${tool}")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [[ ! -f "${portkey_dir}/node_modules/@portkey-ai/gateway/build/start-server.js" ]]; then
  mkdir -p "${portkey_dir}"
  cat >"${portkey_dir}/package.json" <<JSON
{"private":true,"dependencies":{"@portkey-ai/gateway":"${portkey_version}"},"overrides":{"@hono/node-server":"1.13.5"}}
JSON
  (cd "${portkey_dir}" && npm install --no-audit --no-fund --loglevel=error)
fi
echo "bench tools ready: nginx, haproxy, wrk, Portkey ${portkey_version} in ${portkey_dir}"
