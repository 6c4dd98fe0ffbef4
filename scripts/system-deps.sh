#!/usr/bin/env bash
# Install the Debian packages the real-component tests need, when missing.
#   prometheus/promtool  - a real Prometheus server (metrics tests)
#   tcpdump, iptables, ip - real packets in network namespaces (capture tests)
# As root they are installed with apt-get. Otherwise the tests that need them skip,
# except under CI=true, where a missing component fails the run.
set -uo pipefail
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v tcpdump    >/dev/null 2>&1 || need+=(tcpdump)
command -v iptables   >/dev/null 2>&1 || need+=(iptables)
command -v ip         >/dev/null 2>&1 || need+=(iproute2)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  status=$?
  # The Debian package starts its own Prometheus on :9090 where an init system runs;
  # the tests start their own servers, so stop any such leftover quietly.
  command -v service >/dev/null 2>&1 && service prometheus stop >/dev/null 2>&1
  [ $status -eq 0 ] && exit 0
  echo "apt-get install ${need[*]} failed" >&2
elif [ "$(id -u)" != 0 ]; then
  echo "not root: cannot install ${need[*]}; tests that need them will skip" >&2
fi
if [ "${CI:-}" = "true" ]; then
  echo "CI=true and missing: ${need[*]}" >&2
  exit 1
fi
exit 0
