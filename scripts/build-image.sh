#!/usr/bin/env bash
# Builds the operator/router image from the Dockerfile without a daemon, with buildah (Debian: buildah, mmdebstrap),
# where Docker Hub may be out of reach. CI runs it through scripts/setup.sh; by hand, `docker build` is the same:
#
#   bash scripts/build-image.sh [IMAGE]     default localhost/modeswitch:ci; prints the image name last
#
# The Dockerfile's base (Docker Hub's node:20-slim) is replaced by one built here from Debian's own packages
# (trixie: nodejs 20, npm) with mmdebstrap, passed as --build-arg NODE_IMAGE. RUN steps use buildah's chroot
# isolation (no runc, no daemon). npm inside the build trusts this machine's CA bundle, mounted read-only for the
# build only, as npm on the machine does. The image is rebuilt only when its inputs change (a second tag,
# inputs-<hash>, names the inputs it was built from). Needs root.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${1:-localhost/modeswitch:ci}"
base="localhost/modeswitch-node:trixie"
inputs=(Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json proto src crds)

die() {
  echo "image: $*" >&2
  exit 1
}

[[ "$(id -u)" -eq 0 ]] || die "building without a daemon needs root (buildah's chroot isolation); or: docker build -t ${image} ."
for tool in buildah mmdebstrap; do
  command -v "${tool}" >/dev/null 2>&1 && continue
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends buildah mmdebstrap
  break
done

cd "${repo_root}"
# What the image is built from, as git sees it (tracked and untracked, not ignored): unchanged inputs, no rebuild.
key="$( (git ls-files -s -- "${inputs[@]}"; git ls-files -o --exclude-standard -- "${inputs[@]}" | xargs -r sha256sum; git diff -- "${inputs[@]}") | sha256sum | cut -c1-16)"
# The image built from these inputs carries a second tag naming them.
stamp="${image%:*}:inputs-${key}"
if [[ "$(buildah inspect --type image --format '{{.FromImageID}}' "${stamp}" 2>/dev/null)" != "" &&
  "$(buildah inspect --type image --format '{{.FromImageID}}' "${stamp}")" == "$(buildah inspect --type image --format '{{.FromImageID}}' "${image}" 2>/dev/null)" ]]; then
  echo "image: ${image} is current"
  echo "${image}"
  exit 0
fi

if ! buildah inspect --type image "${base}" >/dev/null 2>&1; then
  rootfs="$(mktemp -d)/rootfs.tar"
  mmdebstrap --variant=essential --include=nodejs,npm,ca-certificates trixie "${rootfs}" http://deb.debian.org/debian
  ctr="$(buildah from scratch)"
  buildah add "${ctr}" "${rootfs}" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "${ctr}"
  buildah commit --quiet --rm "${ctr}" "${base}" >/dev/null
  rm -rf "$(dirname "${rootfs}")"
fi

buildah bud --isolation chroot --layers \
  --volume /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
  --build-arg "NODE_IMAGE=${base}" -t "${image}" .
# Earlier stamps go (the tag only: layers still in use stay), this one names the new image.
buildah images --noheading --format '{{.Name}}:{{.Tag}}' | { grep -F "${image%:*}:inputs-" || true; } |
  xargs -r buildah rmi >/dev/null 2>&1 || true
buildah tag "${image}" "${stamp}"
echo "${image}"
