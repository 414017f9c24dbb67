#!/usr/bin/env bash
# Build (once) and cache debootstrap root filesystems that the host-hardening tests and bench/host.ts harden.
# Usage: prepare-rootfs.sh [suite...]   suites: bookworm noble jammy (default: bookworm noble)
# Cache: ${BULWARK_ROOTFS_CACHE:-/var/cache/bulwark/rootfs}/<suite>, outside the repo. Idempotent: a suite whose
# stamp matches the package list is left alone. The bundle's packages are preinstalled so apply can run offline.
set -euo pipefail

CACHE=${BULWARK_ROOTFS_CACHE:-/var/cache/bulwark/rootfs}
# Debian's mirror is the one this machine's apt already uses (DEBIAN_MIRROR overrides it); no host is named here.
apt_mirror() { # $1: the archive's last path element (debian | debian-security)
  { grep -rshoE "(URIs:|^deb)[[:space:]]+[^[:space:]]*/$1/?([[:space:]]|$)" \
    /etc/apt/sources.list /etc/apt/sources.list.d/ || true; } |
    awk '{sub("/$", "", $2); print $2; exit}'
}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(apt_mirror debian)}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-$(apt_mirror debian-security)}
[ -n "$DEBIAN_MIRROR" ] || { echo "no Debian mirror in /etc/apt/sources.list*: set DEBIAN_MIRROR" >&2; exit 2; }
[ -n "$DEBIAN_SECURITY_MIRROR" ] || DEBIAN_SECURITY_MIRROR=${DEBIAN_MIRROR%/debian}/debian-security
# Ubuntu's mirror is the one this machine's debootstrap defaults to for current amd64 suites (UBUNTU_MIRROR overrides).
debootstrap_ubuntu_mirror() {
  awk '/^ *amd64\|i386\)/{a=1} a&&/^[[:space:]]*\*\)/{b=1} b&&$1=="default_mirror"{print $2; exit}' \
    /usr/share/debootstrap/scripts/gutsy 2>/dev/null
}
UBUNTU_MIRROR=${UBUNTU_MIRROR:-$(debootstrap_ubuntu_mirror)}
# Trust anchor for the Ubuntu archive (ubuntu-keyring is not in bookworm): the published archive key fingerprints.
# 2018 archive key, 2012 archive key, 2012 cdimage key (as shipped in ubuntu-keyring 2023.11.28.1).
UBUNTU_KEY_FPRS="F6ECB3762474EDA9D21B7022871920D1991BC93C 790BC7277767219C42C86F933B4FE6ACC0B21F32 \
843938DF228D22F7B3742BC0D94AA3F0EFE21092"

# What the bundle needs on the host (netbase deliberately absent: minimal images lack /etc/protocols, /etc/services).
PKGS="openssh-server,openssh-client,nftables,fail2ban,python3-systemd,auditd,aide,aide-common,unattended-upgrades"
PKGS="$PKGS,sudo,iproute2,procps,libpam-pwquality,cracklib-runtime,ca-certificates,rsyslog,rsyslog-gnutls,\
systemd,systemd-sysv"

log() { echo "[prepare-rootfs $(date +%H:%M:%S)] $*" >&2; }

ubuntu_keyring() { # $1 suite -> prints path of a verified keyring
  local suite=$1 dir="$CACHE/.keyring" rel pkgs_sha fname sha
  mkdir -p "$dir"
  if [ -s "$dir/ubuntu-archive-keyring.gpg" ] && \
    gpgv --keyring "$dir/ubuntu-archive-keyring.gpg" "$dir/$suite.InRelease" >/dev/null 2>&1; then
    echo "$dir/ubuntu-archive-keyring.gpg"; return
  fi
  rel="$dir/$suite.InRelease"
  wget -q -O "$rel" "$UBUNTU_MIRROR/dists/$suite/InRelease"
  wget -q -O "$dir/$suite.Packages.xz" "$UBUNTU_MIRROR/dists/$suite/main/binary-amd64/Packages.xz"
  xz -dc "$dir/$suite.Packages.xz" >"$dir/$suite.Packages" # no early-exit pipe: pipefail would see SIGPIPE
  fname=$(awk '/^Package: ubuntu-keyring$/{p=1} p&&/^Filename:/{print $2; exit}' "$dir/$suite.Packages")
  sha=$(awk '/^Package: ubuntu-keyring$/{p=1} p&&/^SHA256:/{print $2; exit}' "$dir/$suite.Packages")
  if [ -z "$fname" ] || [ -z "$sha" ]; then log "ubuntu-keyring not found in $suite Packages"; exit 1; fi
  wget -q -O "$dir/ubuntu-keyring.deb" "$UBUNTU_MIRROR/$fname"
  echo "$sha  $dir/ubuntu-keyring.deb" | sha256sum -c --quiet -
  rm -rf "$dir/x" && dpkg-deb -x "$dir/ubuntu-keyring.deb" "$dir/x"
  local kr="$dir/x/usr/share/keyrings/ubuntu-archive-keyring.gpg" f
  # Every key in the keyring must be one of the pinned fingerprints, and each pinned key must be present.
  local keys
  keys=$(gpg --show-keys --with-colons "$kr" 2>/dev/null)
  for f in $(printf '%s\n' "$keys" | awk -F: '$1=="pub"{getline; print $10}'); do
    case " $UBUNTU_KEY_FPRS " in *" $f "*) ;; *) log "unexpected key $f in ubuntu-keyring"; exit 1;; esac
  done
  f=F6ECB3762474EDA9D21B7022871920D1991BC93C # the key that signs current releases must be there
  case "$keys" in *"fpr:::::::::$f:"*) ;; *) log "pinned key $f missing"; exit 1 ;; esac
  gpgv --keyring "$kr" "$rel" >/dev/null 2>&1 || { log "InRelease signature check failed"; exit 1; }
  # Close the loop: the Packages.xz we read the deb's hash from is the one the signed InRelease lists.
  pkgs_sha=$(awk '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s&&$3=="main/binary-amd64/Packages.xz"{print $1}' "$rel")
  echo "$pkgs_sha  $dir/$suite.Packages.xz" | sha256sum -c --quiet -
  cp "$kr" "$dir/ubuntu-archive-keyring.gpg"
  log "ubuntu keyring verified (pinned fingerprints, gpgv Good signature on $suite InRelease)"
  echo "$dir/ubuntu-archive-keyring.gpg"
}

in_chroot_offline() { # $1 root, rest: command. No network, own mount+pid namespace: nothing can bind on the host.
  local root=$1; shift
  unshare --net --mount --pid --fork --kill-child chroot "$root" "$@"
}

in_chroot_online() { # network for apt only; policy-rc.d keeps daemons from starting.
  local root=$1; shift
  # shellcheck disable=SC2016 # expanded by the inner sh
  unshare --mount --pid --fork --kill-child sh -c 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" &&
    exec chroot "$0" "$@"' "$root" "$@"
}

build() {
  local suite=$1 dest="$CACHE/$1" tmp="$CACHE/.$1.tmp" mirror script="" keyring="" comps=main extra_sources
  local pkgs=$PKGS
  # jammy's aide-common pulls bsd-mailx, which needs an MTA debootstrap cannot pick; the bundle needs only aide.
  [ "$suite" != jammy ] || pkgs=${PKGS/,aide-common/}
  local STAMP_VALUE="v1 $pkgs"
  if [ -f "$dest/.bulwark-rootfs" ] && [ "$(cat "$dest/.bulwark-rootfs")" = "$STAMP_VALUE" ]; then
    log "$suite: cached at $dest"; return
  fi
  case $suite in
    bookworm) mirror=$DEBIAN_MIRROR
      extra_sources="deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb $DEBIAN_SECURITY_MIRROR bookworm-security main" ;;
    jammy|noble) mirror=$UBUNTU_MIRROR; comps=main,universe
      [ -n "$mirror" ] || { echo "no Ubuntu mirror (debootstrap's scripts not found): set UBUNTU_MIRROR" >&2; exit 2; }
      keyring=$(ubuntu_keyring "$suite")
      # debootstrap 1.0.128 has no noble script; jammy's works for both.
      script=/usr/share/debootstrap/scripts/jammy
      extra_sources="deb $UBUNTU_MIRROR $suite main universe
deb $UBUNTU_MIRROR $suite-updates main universe
deb $UBUNTU_MIRROR $suite-security main universe" ;;
    *) log "unknown suite $suite"; exit 2 ;;
  esac
  log "$suite: debootstrap stage 1 (download + unpack)"
  rm -rf "$tmp"
  debootstrap --foreign --variant=minbase --arch=amd64 --components="$comps" --include="$pkgs" \
    ${keyring:+--keyring="$keyring"} "$suite" "$tmp" "$mirror" ${script:+"$script"} >"$CACHE/.$suite.log" 2>&1 \
    || { tail -20 "$CACHE/.$suite.log" >&2; exit 1; }
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"; chmod 755 "$tmp/usr/sbin/policy-rc.d"
  log "$suite: stage 2 (offline)"
  in_chroot_offline "$tmp" /debootstrap/debootstrap --second-stage >>"$CACHE/.$suite.log" 2>&1 \
    || { tail -20 "$CACHE/.$suite.log" >&2; exit 1; }
  # Security/updates pockets: Ubuntu 24.04's release fail2ban crashes on Python 3.12 until updated.
  printf '%s\n' "$extra_sources" >"$tmp/etc/apt/sources.list"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  log "$suite: security/updates pockets for ssh + fail2ban"
  in_chroot_online "$tmp" \
    sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade \
      openssh-server openssh-client fail2ban && apt-get clean' >>"$CACHE/.$suite.log" 2>&1 \
    || { tail -20 "$CACHE/.$suite.log" >&2; exit 1; }
  rm -f "$tmp/usr/sbin/policy-rc.d" "$tmp/etc/resolv.conf"
  echo "$STAMP_VALUE" >"$tmp/.bulwark-rootfs"
  rm -rf "$dest" && mv "$tmp" "$dest"
  log "$suite: ready at $dest ($(du -sh "$dest" | cut -f1))"
}

# Packages that some tests install at test time, offline, into their own overlay (never into the shared rootfs):
# the distribution's cloud-init (first-boot tests), MariaDB (leftover database), postfix (MTA local-only).
# Downloaded with their dependencies into /var/cache/bulwark-debs/<group>/ of the cached rootfs.
# Install in a test overlay:
#   harness.sh chroot ID sh -c 'apt-get install -y --no-download /var/cache/bulwark-debs/G/*.deb'
EXTRAS="cloud-init:cloud-init mariadb:mariadb-server,mariadb-client postfix:postfix,bsd-mailx"
restore_resolv() {
  rm -f "$1/etc/resolv.conf"
  if [ -e "$1/etc/resolv.conf.bulwark" ] || [ -L "$1/etc/resolv.conf.bulwark" ]; then \
    mv "$1/etc/resolv.conf.bulwark" "$1/etc/resolv.conf"; fi
}
extras() {
  local suite=$1 root="$CACHE/$1" group pkgs stamp
  for g in $EXTRAS; do
    group=${g%%:*} pkgs=${g#*:}
    stamp="$root/var/cache/bulwark-debs/$group/.stamp"
    [ "$(cat "$stamp" 2>/dev/null)" != "v2 $pkgs" ] || continue
    log "$suite: downloading $group ($pkgs) for offline installs"
    rm -rf "$root/var/cache/bulwark-debs/$group" && mkdir -p "$root/var/cache/bulwark-debs/$group/partial"
    # The rootfs's own resolv.conf (maybe a symlink into /run) is set aside, never written through.
    if [ -e "$root/etc/resolv.conf" ] || [ -L "$root/etc/resolv.conf" ]; then \
      mv "$root/etc/resolv.conf" "$root/etc/resolv.conf.bulwark"; fi
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    in_chroot_online "$root" \
      sh -c "apt-get update -qq && apt-get install -y -qq --download-only --no-install-recommends \
        -o Dir::Cache::archives=/var/cache/bulwark-debs/$group ${pkgs//,/ }" >>"$CACHE/.$suite.log" 2>&1 \
      || { restore_resolv "$root"; tail -20 "$CACHE/.$suite.log" >&2; exit 1; }
    restore_resolv "$root"
    rm -rf "$root/var/cache/bulwark-debs/$group/partial" "$root/var/cache/bulwark-debs/$group/lock"
    echo "v2 $pkgs" >"$stamp"
  done
}

# Every pending update installed once, so a booted test host has no security updates pending against the lists it
# was built with (the bundle's verify fails `updates` otherwise; test namespaces have no mirror to refresh from).
upgrade() {
  local root="$CACHE/$1" stamp="$CACHE/$1/.bulwark-upgraded"
  [ "$(cat "$stamp" 2>/dev/null)" != v1 ] || return 0
  log "$1: installing pending updates"
  if [ -e "$root/etc/resolv.conf" ] || [ -L "$root/etc/resolv.conf" ]; then \
    mv "$root/etc/resolv.conf" "$root/etc/resolv.conf.bulwark"; fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"
  in_chroot_online "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get dist-upgrade -y -qq \
      -o Dpkg::Options::=--force-confold && apt-get clean' >>"$CACHE/.$1.log" 2>&1 \
    || { rm -f "$root/usr/sbin/policy-rc.d"; restore_resolv "$root"; tail -20 "$CACHE/.$1.log" >&2; exit 1; }
  rm -f "$root/usr/sbin/policy-rc.d"
  restore_resolv "$root"
  echo v1 >"$stamp"
}

mkdir -p "$CACHE"
[ $# -gt 0 ] || set -- bookworm noble
for s in "$@"; do
  exec 9>"$CACHE/.$s.lock"; flock 9
  build "$s"
  upgrade "$s"
  extras "$s"
  exec 9>&-
done
