# shellcheck shell=bash
# Pending security updates (issue 9), sourced by apply and verify. apt: upgrade candidates from a security origin,
# i.e. the releases unattended-upgrades' security pattern matches (archive *-security, Debian's label
# Debian-Security). dnf: `dnf --security check-update`. The first online apply installs them before anything else.
# Terse on purpose: every byte of code counts against EC2's 16 KiB user data (comment lines are stripped there).
UPD_MARK=/var/lib/bulwark/first-apply-updates

# "PACKAGE INSTALLED -> CANDIDATE" per pending security update (dnf: "PACKAGE -> CANDIDATE"); 2 when it cannot tell.
# apt-get -s prints: Inst PKG [INSTALLED] (CANDIDATE Label:Version/Archive, ... [arch])
upd_pending() {
  local o r=0
  if [ "$FAMILY" = debian ]; then
    o=$(apt-get -s -o Debug::NoLocking=1 dist-upgrade 2>&1) || return 2
    printf '%s\n' "$o" | sed -n 's/^Inst \([^ ]*\) \[\([^]]*\)\] (\([^ ]*\) \(.*\)/\1 \2 -> \3|\4/p' | \
      awk -F'|' '$2~/-security|Debian-Security:/{print $1}'
  else
    o=$(dnf -q --security check-update 2>/dev/null) || r=$?
    [ $r = 0 ] || [ $r = 100 ] || return 2
    printf '%s\n' "$o" | awk 'NF==3&&$1~/\./&&$2~/^[0-9]/{print $1,"->",$2}'
  fi
}

# Offline or chroot (image build): nothing to fetch from, so the first apply on the running host installs them.
# A failed fetch or install does not stop the hardening: verify fails `updates` while any are pending, and the
# next apply retries (apt-get update returns 0 on fetch failures unless --error-on=any: apt >= 2.1.16).
updates_first_apply() {
  local p
  [ ! -f $UPD_MARK ] && [ -z "$FIRST_UPDATES_WAIVER" ] && runtime || return 0
  # No fresh lists (no mirror): nothing could be downloaded either; no marker, so the next apply tries again.
  [ "$FAMILY" != debian ] || apt-get update -qq --error-on=any >/dev/null 2>&1 || \
    { log "apt-get update failed: security updates wait"; return 0; }
  p=$(upd_pending | cut -d' ' -f1 | paste -sd' ' -) || { log "cannot list security updates"; return 0; }
  if [ -n "$p" ]; then
    log "installing security updates: $p"
    # shellcheck disable=SC2086 # one word per package
    if [ "$FAMILY" = debian ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -yqq --only-upgrade -o Dpkg::Options::=--force-confold $p
    else dnf -yq upgrade --security; fi >/dev/null 2>&1 || { log "security updates failed"; return 0; }
    changed "security updates $p"
  fi
  mkdir -p /var/lib/bulwark && date >$UPD_MARK
}

# Package lists over two days old only warn: pending updates may be missing from the answer.
updates_verify() {
  local p
  if ! p=$(upd_pending); then fail updates "cannot list security updates"
  elif [ -n "$p" ]; then fail updates "security updates pending: $(paste -sd, - <<<"$p")"
  else pass updates "no security updates pending"; fi
  [ -n "$(find /var/lib/apt/lists /var/cache/dnf -name '*Release' -mtime -2 -o -name repomd.xml -mtime -2 \
    2>/dev/null | head -1)" ] ||
    echo "WARN    updates      package lists over 2 days old"
}
