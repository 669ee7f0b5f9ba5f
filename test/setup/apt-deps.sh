#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real, idempotently:
# nothing is fetched when all are present. Usage: apt-deps.sh [--heavy]
set -euo pipefail
pkgs=(passwd openssl iproute2 util-linux iptables nftables openssh-server curl prometheus-node-exporter nginx-light python3 auditd)
# test/packaging: systemd-analyze (verify, security --offline), groff and man -l for the man page.
pkgs+=(systemd groff-base man-db)
# test/report/hostile-names: xmllint validates the JUnit XML, cmark-gfm renders the Markdown (GFM tables),
# promtool checks the Prometheus exposition.
pkgs+=(libxml2-utils cmark-gfm prometheus)
# test/facts/runner-discovery: a real java running a real agent.jar (javac, jar build it).
pkgs+=(openjdk-17-jdk-headless)
# test/checks/host/lz4-frame, security-updates cases: the real lz4 writes the lists the decoder reads.
pkgs+=(lz4)
if [ "${1:-}" = "--heavy" ]; then
  # The Debian 12 chroot stages (test/helpers/debian-root.ts): debootstrap
  # fetches with wget and verifies the Release file with gpgv against the
  # archive keyring; ca-certificates for an https mirror in the apt sources.
  pkgs+=(debootstrap systemd-container ca-certificates debian-archive-keyring gpgv wget)
  # npm run package (test/e2e-heavy/deb-boot, rpm): rpmbuild, lintian, rpmlint.
  pkgs+=(rpm lintian rpmlint)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "test setup: missing packages ${missing[*]} and not root; install them first" >&2
  exit 1
fi
echo "test setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
