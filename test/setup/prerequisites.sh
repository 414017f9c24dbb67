#!/usr/bin/env bash
# What the full test suite needs beyond npm, named once: `.ci/run` and `npm test` both come here.
#   prerequisites.sh missing   print one line per missing prerequisite (exit 0 either way)
#   prerequisites.sh install   as root: install the missing Debian packages and build the rootfs cache
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${BULWARK_ROOTFS_CACHE:-/var/cache/bulwark/rootfs}
SUITES=(bookworm noble jammy)
# Debian package -> a command (or file) that proves it is installed.
PACKAGES=(
  debootstrap:debootstrap systemd-container:systemd-nspawn iproute2:ip gpg:gpg wget:wget xz-utils:xz
  openssh-server:sshd openssh-client:ssh nftables:nft fail2ban:fail2ban-client auditd:auditctl aide:aide
  shellcheck:shellcheck sshpass:sshpass mariadb-server:mariadbd mariadb-client:mariadb openssl:openssl
  ca-certificates:/etc/ssl/certs/ca-certificates.crt python3:python3 python3-yaml:/usr/lib/python3/dist-packages/yaml
  chromium:chromium
)

have() { case $1 in /*) [ -e "$1" ] ;; *) PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1 ;; esac; }
missing_packages() { local p; for p in "${PACKAGES[@]}"; do have "${p#*:}" || echo "${p%%:*}"; done; }
missing_rootfs() {
  local s g
  for s in "${SUITES[@]}"; do
    [ -f "$CACHE/$s/.bulwark-rootfs" ] || { echo "rootfs-$s"; continue; }
    [ "$(cat "$CACHE/$s/.bulwark-upgraded" 2>/dev/null)" = v1 ] || echo "rootfs-$s-upgrade"
    for g in cloud-init mariadb postfix; do
      [ -f "$CACHE/$s/var/cache/bulwark-debs/$g/.stamp" ] || echo "rootfs-$s-$g"
    done
  done
}

case ${1:-} in
  missing)
    [ "$(id -u)" = 0 ] || echo "root"
    missing_packages
    missing_rootfs
    ;;
  install)
    [ "$(id -u)" = 0 ] || { echo "prerequisites.sh install must run as root" >&2; exit 2; }
    mapfile -t pkgs < <(missing_packages)
    if [ ${#pkgs[@]} -gt 0 ]; then
      echo "installing Debian packages: ${pkgs[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    fi
    # The machine's own MariaDB must not hold the port or socket the tests start themselves.
    service mariadb stop >/dev/null 2>&1 || true
    if [ -n "$(missing_rootfs)" ]; then "$here/../host/prepare-rootfs.sh" "${SUITES[@]}"; fi
    ;;
  *) echo "usage: prerequisites.sh missing|install" >&2; exit 2 ;;
esac
