#!/usr/bin/env bash
# Real-host test harness (root): an overlay of a cached debootstrap rootfs, hardened offline in a chroot with no
# network, then booted under systemd-nspawn inside a network namespace joined by veth to a client namespace.
# Addresses exist only inside the namespaces created here. Every resource is named after ID so `down` can remove
# exactly what `up` made, even after a failed test.
#   harness.sh up ID SUITE NET BUNDLE_DIR     NET: third octet of 10.231.NET.0/24 (1-250)
#                                              (BULWARK_LAYER=GROUP: the rootfs with GROUP's debs installed, see layer)
#   harness.sh chroot ID CMD...               offline chroot (no network, private mounts and pids)
#   harness.sh boot ID                         boot with systemd as PID 1; waits for the system to settle
#                                              (the console is drained into boot.log)
#   harness.sh exec ID CMD...                 run inside the booted host
#   harness.sh client ID CMD...               run in the client namespace
#   harness.sh serverns ID CMD...             run a host tool inside the server's network namespace
#   harness.sh down ID                         stop everything, remove mounts, namespaces and files
#   harness.sh debs ID GROUP                   install the rootfs's cached /var/cache/bulwark-debs/GROUP offline
#   harness.sh layer SUITE GROUP               prints a read-only layer: SUITE's rootfs with GROUP's cached debs
#                                              installed (built once per rootfs and debs version, under a lock), so
#                                              suites that boot several hosts with the same packages install them once
#   harness.sh nocloud ID USER_DATA            NoCloud seed for the distribution's cloud-init (user data as EC2
#                                              serves it: the decoded bytes, gzip or text); no network config
set -euo pipefail
CACHE=${BULWARK_ROOTFS_CACHE:-/var/cache/bulwark/rootfs}
BASE=${BULWARK_TEST_DIR:-/tmp/bulwark-host-test}
ENVP=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root TERM=dumb)

cmd=$1 id=$2
shift 2
dir="$BASE/$id"
m="$dir/m"
srv="bw-s-$id"
cli="bw-c-$id"

leader() {
  local np
  np=$(cat "$dir/nspawn.pid")
  pgrep -P "$np" | head -1
}

case "$cmd" in
  up)
    suite=$1 net=$2 bundle=$3
    [ -f "$CACHE/$suite/.bulwark-rootfs" ] || \
      { echo "no cached rootfs for $suite: run test/host/prepare-rootfs.sh $suite" >&2; exit 1; }
    lower="$CACHE/$suite"
    if [ -n "${BULWARK_LAYER:-}" ]; then lower="$("$0" layer "$suite" "$BULWARK_LAYER"):$lower"; fi
    mkdir -p "$dir/upper" "$dir/work" "$m"
    echo "$net" >"$dir/net"
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$m"
    # What a cloud image brings: a cloud-init drop-in re-enabling passwords and root, a root password and key.
    mkdir -p "$m/etc/ssh/sshd_config.d" "$m/root/.ssh" "$m/opt/bulwark"
    printf 'PasswordAuthentication yes\nPermitRootLogin yes\nKbdInteractiveAuthentication yes\n' \
      >"$m/etc/ssh/sshd_config.d/50-cloud-init.conf"
    [ ! -f "$BASE/client_key.pub" ] || install -m 0600 "$BASE/client_key.pub" "$m/root/.ssh/authorized_keys"
    cp -a "$bundle" "$m/opt/bulwark/bundle"
    # No mirror answers on the test network: apt fails at once rather than retrying with back-off (~8 s an apply).
    printf 'Acquire::Retries "0";\n' >"$m/etc/apt/apt.conf.d/99bulwark-test-offline"
    echo "bulwark-$id" >"$m/etc/hostname"
    "$0" chroot "$id" sh -c 'echo root:Tr1cky-Horse-Battery-9 | chpasswd && systemd-machine-id-setup >/dev/null 2>&1'
    ip netns add "$srv"
    ip netns add "$cli"
    ip link add "bws$id" type veth peer name "bwc$id"
    ip link set "bws$id" netns "$srv"
    ip link set "bwc$id" netns "$cli"
    ip -n "$srv" link set lo up
    ip -n "$cli" link set lo up
    ip -n "$srv" addr add "10.231.$net.1/24" dev "bws$id"
    ip -n "$srv" addr add "fd00:231:$net::1/64" dev "bws$id" nodad
    for a in 2 3 4 5 6 7 8 9 10 11 12 13 200; do ip -n "$cli" addr add "10.231.$net.$a/24" dev "bwc$id"; done
    ip -n "$cli" addr add "fd00:231:$net::2/64" dev "bwc$id" nodad
    ip -n "$srv" link set "bws$id" up
    ip -n "$cli" link set "bwc$id" up
    ;;
  chroot)
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare --net --mount --pid --fork --kill-child sh -c '
      mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && mount --make-rslave "$0/dev" && exec chroot "$0" "$@"' \
      "$m" "${ENVP[@]}" "$@"
    ;;
  boot)
    # --register=no --keep-unit: this machine has no systemd/D-Bus; CAP_NET_ADMIN lets nftables.service load.
    # read-only: the console is drained into boot.log. Undrained (passive), a guest that fills it blocks in its
    # writes, PID 1 included: the likely end of a noble host whose systemd stopped answering on a loaded machine.
    setsid systemd-nspawn -q --register=no --keep-unit --console=read-only \
      --capability=CAP_NET_ADMIN \
      -D "$m" --network-namespace-path="/run/netns/$srv" -b >"$dir/boot.log" 2>&1 </dev/null &
    echo $! >"$dir/nspawn.pid"
    for _ in $(seq 1 100); do
      l=$(leader || true)
      [ -z "$l" ] || [ ! -S "/proc/$l/root/run/systemd/private" ] || break
      sleep 0.2
    done
    l=$(leader)
    state=$(timeout 90 nsenter -t "$l" -m -u -i -n -p -- \
      "${ENVP[@]}" systemctl is-system-running --wait 2>/dev/null || true)
    echo "$state"
    ;;
  exec)
    l=$(leader)
    nsenter -t "$l" -m -u -i -n -p -- "${ENVP[@]}" "$@"
    ;;
  debs)
    # policy-rc.d: nothing starts in the chroot; the boot starts what the packages enable.
    printf '#!/bin/sh\nexit 101\n' >"$m/usr/sbin/policy-rc.d" && chmod 755 "$m/usr/sbin/policy-rc.d"
    # dpkg, not apt: apt would prefer its lists' candidates and try to download them. The group holds every
    # dependency the rootfs lacks; further passes install what waited on a pre-dependency chain (python3 upgrades
    # on noble and jammy). lo up: postfix's postinst needs an active interface.
    # shellcheck disable=SC2016 # expanded in the chroot
    "$0" chroot "$id" sh -c 'ip link set lo up && export DEBIAN_FRONTEND=noninteractive && d=/var/cache/bulwark-debs/$0
      for pass in 1 2 3 4; do dpkg --force-unsafe-io -i "$d"/*.deb >/tmp/bulwark-debs.log 2>&1 && exit 0; done
      tail -20 /tmp/bulwark-debs.log; exit 1' "$1" || { rm -f "$m/usr/sbin/policy-rc.d"; exit 1; }
    rm -f "$m/usr/sbin/policy-rc.d"
    ;;
  layer)
    suite=$id group=$1
    debs="$CACHE/$suite/var/cache/bulwark-debs/$group"
    [ -f "$debs/.stamp" ] || { echo "no cached debs $group in $suite" >&2; exit 1; }
    key=$(cat "$CACHE/$suite/.bulwark-rootfs" "$CACHE/$suite/.bulwark-upgraded" "$debs/.stamp" 2>/dev/null |
      md5sum | cut -c1-12)
    lid="layer-$suite-$group-$key"
    mkdir -p "$BASE"
    exec 9>"$BASE/$lid.lock"
    flock 9
    if [ ! -f "$BASE/$lid/.done" ]; then
      "$0" down "$lid" >/dev/null 2>&1 || true
      mkdir -p "$BASE/$lid/upper" "$BASE/$lid/work" "$BASE/$lid/m"
      mount -t overlay overlay -o "lowerdir=$CACHE/$suite,upperdir=$BASE/$lid/upper,workdir=$BASE/$lid/work" \
        "$BASE/$lid/m"
      ok=0
      "$0" debs "$lid" "$group" >&2 && ok=1
      rm -f "$BASE/$lid/m/tmp/bulwark-debs.log"
      umount "$BASE/$lid/m"
      [ "$ok" = 1 ] || { rm -rf "${BASE:?}/${lid:?}"; exit 1; }
      touch "$BASE/$lid/.done"
    fi
    echo "$BASE/$lid/upper"
    ;;
  nocloud)
    mkdir -p "$m/var/lib/cloud/seed/nocloud" "$m/etc/cloud/cloud.cfg.d"
    printf 'instance-id: bulwark-%s\nlocal-hostname: bulwark-%s\n' "$id" "$id" \
      >"$m/var/lib/cloud/seed/nocloud/meta-data"
    install -m 0600 "$1" "$m/var/lib/cloud/seed/nocloud/user-data"
    # The harness owns the namespace's addresses: cloud-init must not write a network config. A minbase rootfs has
    # no locales (a cloud image has): cloud-init's locale module would fail, or try to install the package.
    printf 'datasource_list: [NoCloud, None]\nnetwork: {config: disabled}\nlocale: false\n' \
      >"$m/etc/cloud/cloud.cfg.d/90-bulwark-test.cfg"
    ;;
  client) ip netns exec "$cli" "$@" ;;
  serverns) ip netns exec "$srv" "$@" ;;
  down)
    if [ -f "$dir/nspawn.pid" ]; then
      np=$(cat "$dir/nspawn.pid")
      l=$(pgrep -P "$np" | head -1 || true)
      # Killing the container's PID 1 ends its PID namespace and every process in it.
      [ -z "$l" ] || kill -KILL "$l" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$np" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$np" 2>/dev/null || true
      rm -f "$dir/nspawn.pid"
    fi
    for ns in "$srv" "$cli"; do
      if [ -e "/run/netns/$ns" ]; then
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
      fi
    done
    if mountpoint -q "$m"; then umount -R "$m" 2>/dev/null || umount -l "$m"; fi
    rm -rf "$dir"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
