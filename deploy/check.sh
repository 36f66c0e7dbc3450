#!/usr/bin/env bash
# Offline checks of deploy/ (no Docker engine or Kubernetes cluster needed):
# Runs shellcheck, systemd-analyze verify, every Kubernetes YAML parses, `kubectl kustomize` renders,
# and the configs in deploy/docker and the ConfigMap pass `drover validate`. Skips missing tools.
set -uo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
jar="${DROVER_JAR:-$repo/node/target/drover-node.jar}"
fail=0
check() { local name=$1; shift; if "$@"; then echo "ok    $name"; else echo "FAIL  $name"; fail=1; fi; }
# shellcheck disable=SC2317  # called through check
quiet() { "$@" >/dev/null; }
skip() { echo "skip  $1 ($2)"; }

if command -v shellcheck >/dev/null; then
  check "shellcheck deploy/local/cluster.sh deploy/check.sh" shellcheck "$repo/deploy/local/cluster.sh" "$repo/deploy/check.sh"
else skip shellcheck "not installed"; fi

if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify drover.service" systemd-analyze verify "$repo/deploy/systemd/drover.service"
else skip "systemd-analyze verify" "not installed"; fi

conf=$(mktemp --suffix=.conf)
trap 'rm -f "$conf"' EXIT
if python3 -c 'import yaml' 2>/dev/null; then
  check "kubernetes/*.yaml parse; ConfigMap drover.conf extracted" python3 - "$repo/deploy/kubernetes" "$conf" <<'PY'
import glob, sys, yaml
found = False
for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    for d in yaml.safe_load_all(open(f)):
        if d and d.get("kind") == "ConfigMap" and "drover.conf" in d.get("data", {}):
            open(sys.argv[2], "w").write(d["data"]["drover.conf"]); found = True
sys.exit(0 if found else 1)
PY
else skip "YAML parse" "python3 yaml module missing"; fi

if command -v kubectl >/dev/null; then
  check "kubectl kustomize deploy/kubernetes" sh -c "kubectl kustomize '$repo/deploy/kubernetes' >/dev/null"
else skip "kubectl kustomize" "kubectl not installed"; fi

if [ -f "$jar" ]; then
  check "validate ConfigMap drover.conf (POD_IP, DROVER_TOKEN set)" quiet \
    env POD_IP=10.0.0.1 DROVER_TOKEN=check-token-0123456789 java -jar "$jar" validate "$conf"
  check "ConfigMap drover.conf without DROVER_TOKEN is refused" \
    sh -c "! env -u DROVER_TOKEN POD_IP=10.0.0.1 java -jar '$jar' validate '$conf' >/dev/null 2>&1"
  check "validate deploy/docker/drover.conf" quiet java -jar "$jar" validate "$repo/deploy/docker/drover.conf"
  check "deploy/docker/drover.conf: API beyond loopback in plain HTTP is refused" \
    sh -c "! env DROVER_MANAGEMENT_INTERFACE=0.0.0.0 DROVER_TOKEN=check-token-0123456789 java -jar '$jar' validate '$repo/deploy/docker/drover.conf' >/dev/null 2>&1"
  check "validate deploy/docker/drover.conf, API beyond loopback, DROVER_MANAGEMENT_ALLOW_PLAINTEXT=on" quiet \
    env DROVER_MANAGEMENT_INTERFACE=0.0.0.0 DROVER_TOKEN=check-token-0123456789 DROVER_MANAGEMENT_ALLOW_PLAINTEXT=on \
    java -jar "$jar" validate "$repo/deploy/docker/drover.conf"
  if command -v openssl >/dev/null; then
    certs=$(mktemp -d)
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=drover-check \
      -keyout "$certs/api.key" -out "$certs/api.pem" 2>/dev/null
    check "validate deploy/docker/drover.conf, API beyond loopback over TLS" quiet \
      env DROVER_MANAGEMENT_INTERFACE=0.0.0.0 DROVER_TOKEN=check-token-0123456789 DROVER_MANAGEMENT_TLS=on \
      DROVER_MANAGEMENT_TLS_CERT="$certs/api.pem" DROVER_MANAGEMENT_TLS_KEY="$certs/api.key" \
      java -jar "$jar" validate "$repo/deploy/docker/drover.conf"
    rm -rf "$certs"
  else skip "validate deploy/docker/drover.conf over TLS" "openssl not installed"; fi
  # the examples as cluster.sh runs them: included after the node's own settings
  for example in quickstart slots; do
    node_conf=$(mktemp --suffix=.conf)
    printf 'drover.cluster.enabled = on\ninclude file("%s")\n' "$repo/deploy/examples/$example.conf" >"$node_conf"
    check "validate deploy/examples/$example.conf in a cluster" quiet java -jar "$jar" validate "$node_conf"
    rm -f "$node_conf"
  done
else skip "drover validate" "no $jar"; fi

exit $fail
