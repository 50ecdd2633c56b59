#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 for tests, benchmarks and trying the operator by hand:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake GPU nodes, pods made Ready).
#
#   scripts/cluster.sh up   [--state-dir DIR]   start it (reuses one already running in DIR); prints its env
#   scripts/cluster.sh env  [--state-dir DIR]   print `export KUBECONFIG=...` for a running one
#   scripts/cluster.sh down [--state-dir DIR]   stop it and delete DIR
#
# DIR defaults to $MODESWITCH_CLUSTER_DIR, else .tools/cluster. Binaries come from scripts/cluster/build.sh; a
# missing one is named and nothing starts. Needs openssl, curl and kubectl.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../tools/versions.env
source "${repo_root}/tools/versions.env"

k8s_bin="${repo_root}/.tools/k8s-${KUBERNETES_VERSION}"
etcd_bin="${repo_root}/.tools/etcd-${ETCD_VERSION}/etcd"
kwok_bin="${repo_root}/.tools/kwok-${KWOK_VERSION}/kwok"
nodes_manifest="${repo_root}/scripts/cluster/gpu-nodes.yaml"
# Addresses kwok gives fake pods and nodes. Nothing listens there and nothing is sent there: tests point the
# router's data path at static loopback endpoints (kwok pod IPs do not route).
pod_cidr="10.244.0.0/16"
service_cidr="10.96.0.0/16"

die() {
  echo "cluster: $*" >&2
  exit 1
}

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

command="${1:-}"
[[ -n "${command}" ]] || usage
shift
state_dir="${MODESWITCH_CLUSTER_DIR:-${repo_root}/.tools/cluster}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --state-dir) state_dir="${2:?--state-dir needs a directory}"; shift 2 ;;
    *) usage ;;
  esac
done
state_dir="$(mkdir -p "${state_dir}" && cd "${state_dir}" && pwd)"
pki="${state_dir}/pki"
logs="${state_dir}/logs"
pids="${state_dir}/pids"
kubeconfig="${state_dir}/kubeconfig"
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# Test files running in parallel all call `up` on one state dir: one at a time, the later ones reuse the cluster.
exec 9>"${state_dir}.lock"
flock 9

require_tools() {
  local missing=()
  for b in "${etcd_bin}" "${k8s_bin}/kube-apiserver" "${k8s_bin}/kube-controller-manager" "${k8s_bin}/kube-scheduler" "${kwok_bin}"; do
    [[ -x "${b}" ]] || missing+=("${b#"${repo_root}/"}")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    die "missing ${missing[*]}; build them with scripts/cluster/build.sh (first run on a machine: about 30 min on 2 cores)"
  fi
  for t in openssl curl kubectl; do
    command -v "${t}" >/dev/null 2>&1 || die "'${t}' is not on PATH (kubectl: bash scripts/install-tools.sh; openssl, curl: apt-get install openssl curl)"
  done
}

# Free TCP ports on 127.0.0.1, as many as asked (the kernel picks them; a race with another process is unlikely).
free_ports() {
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]);
    const servers = Array.from({ length: n }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
      .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
  ' "$1"
}

alive() {
  local pid_file="${pids}/$1"
  [[ -f "${pid_file}" ]] && kill -0 "$(cat "${pid_file}")" 2>/dev/null
}

# One CA and one certificate for every component and the admin user (as kwokctl does); its key also signs
# service-account tokens. Loopback only, so one identity is enough.
make_pki() {
  mkdir -p "${pki}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=modeswitch-local-ca" \
    -keyout "${pki}/ca.key" -out "${pki}/ca.crt" 2>/dev/null
  cat >"${pki}/admin.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1
EXT
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=modeswitch-local-admin" \
    -keyout "${pki}/admin.key" -out "${pki}/admin.csr" 2>/dev/null
  openssl x509 -req -in "${pki}/admin.csr" -CA "${pki}/ca.crt" -CAkey "${pki}/ca.key" -CAcreateserial -days 3650 \
    -extfile "${pki}/admin.ext" -out "${pki}/admin.crt" 2>/dev/null
}

write_kubeconfig() {
  local server="$1"
  cat >"${kubeconfig}" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: modeswitch-local
    cluster: {server: "${server}", certificate-authority: "${pki}/ca.crt"}
users:
  - name: admin
    user: {client-certificate: "${pki}/admin.crt", client-key: "${pki}/admin.key"}
contexts:
  - name: modeswitch-local
    context: {cluster: modeswitch-local, user: admin}
current-context: modeswitch-local
KUBECONFIG
}

# Starts one component in the background, its output to logs/<name>.log, its pid to pids/<name>.
start() {
  local name="$1"
  shift
  # 9>&-: the component must not inherit (and so hold forever) the state dir's lock.
  setsid "$@" >"${logs}/${name}.log" 2>&1 </dev/null 9>&- &
  echo $! >"${pids}/${name}"
}

# Waits for a command to succeed; on timeout names the component and shows the end of its log.
wait_for() {
  local name="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive "${name}" || { tail -n 30 "${logs}/${name}.log" >&2; die "${name} exited during startup (log: ${logs}/${name}.log)"; }
    ((SECONDS < deadline)) || { tail -n 30 "${logs}/${name}.log" >&2; die "${name} not ready after ${seconds}s (log: ${logs}/${name}.log)"; }
    sleep 0.5
  done
}

kubectl_local() {
  kubectl --kubeconfig "${kubeconfig}" "$@"
}

print_env() {
  echo "export KUBECONFIG=${kubeconfig}"
}

up() {
  if [[ -f "${kubeconfig}" ]] && all_alive && kubectl_local get --raw /readyz >/dev/null 2>&1; then
    print_env
    return
  fi
  require_tools
  stop_all
  rm -rf "${pki}" "${logs}" "${pids}" "${state_dir}/etcd"
  mkdir -p "${logs}" "${pids}"
  make_pki
  local etcd_port etcd_peer_port apiserver_port
  read -r etcd_port etcd_peer_port apiserver_port < <(free_ports 3)
  local server="https://127.0.0.1:${apiserver_port}"
  write_kubeconfig "${server}"

  # --unsafe-no-fsync: a throwaway store; fsync on every write would make the control plane disk-bound.
  start etcd "${etcd_bin}" --name=node0 --data-dir="${state_dir}/etcd" \
    --listen-client-urls="http://127.0.0.1:${etcd_port}" --advertise-client-urls="http://127.0.0.1:${etcd_port}" \
    --listen-peer-urls="http://127.0.0.1:${etcd_peer_port}" --initial-advertise-peer-urls="http://127.0.0.1:${etcd_peer_port}" \
    --initial-cluster="node0=http://127.0.0.1:${etcd_peer_port}" --auto-compaction-retention=1 --unsafe-no-fsync=true \
    --log-level=warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:${etcd_port}/health"

  start kube-apiserver "${k8s_bin}/kube-apiserver" --etcd-servers="http://127.0.0.1:${etcd_port}" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="${apiserver_port}" \
    --tls-cert-file="${pki}/admin.crt" --tls-private-key-file="${pki}/admin.key" --client-ca-file="${pki}/ca.crt" \
    --service-account-key-file="${pki}/admin.key" --service-account-signing-key-file="${pki}/admin.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --authorization-mode=Node,RBAC --allow-privileged=true --service-cluster-ip-range="${service_cidr}" \
    --endpoint-reconciler-type=none --enable-priority-and-fairness=false
  wait_for kube-apiserver 120 kubectl_local get --raw /readyz

  start kube-controller-manager "${k8s_bin}/kube-controller-manager" --kubeconfig="${kubeconfig}" \
    --secure-port=0 --leader-elect=false --controllers='*' --root-ca-file="${pki}/ca.crt" \
    --service-account-private-key-file="${pki}/admin.key" --node-monitor-period=5s --node-monitor-grace-period=40s
  start kube-scheduler "${k8s_bin}/kube-scheduler" --kubeconfig="${kubeconfig}" --secure-port=0 --leader-elect=false
  # kwok manages only the nodes annotated kwok.x-k8s.io/node=fake and every pod bound to them.
  start kwok "${kwok_bin}" --kubeconfig="${kubeconfig}" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --cidr="${pod_cidr}" --node-ip=10.244.255.1 \
    --node-lease-duration-seconds=40 --server-address=""

  kubectl_local apply --server-side -f "${nodes_manifest}" >/dev/null
  # Every node Ready (kwok), and a default ServiceAccount (the controller-manager runs).
  wait_for kwok 60 kubectl_local wait --for=condition=Ready node --all --timeout=1s
  wait_for kube-controller-manager 60 kubectl_local get serviceaccount default -n default
  wait_for kube-scheduler 30 all_alive
  print_env
}

all_alive() {
  for c in "${components[@]}"; do alive "${c}" || return 1; done
}

# Stops what this state dir started, by the pids it recorded, newest first.
stop_all() {
  local c pid
  for ((i = ${#components[@]} - 1; i >= 0; i--)); do
    c="${components[i]}"
    [[ -f "${pids}/${c}" ]] || continue
    pid="$(cat "${pids}/${c}")"
    if kill -0 "${pid}" 2>/dev/null; then
      kill "${pid}" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
      kill -9 "${pid}" 2>/dev/null || true
    fi
    rm -f "${pids}/${c}"
  done
}

case "${command}" in
  up) up ;;
  env)
    all_alive || die "no control plane running in ${state_dir}; start one with scripts/cluster.sh up"
    print_env
    ;;
  down)
    stop_all
    rm -rf "${state_dir}" "${state_dir}.lock"
    ;;
  *) usage ;;
esac
