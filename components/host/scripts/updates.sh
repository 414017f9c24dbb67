# shellcheck shell=bash
# Pending security updates (issue 9), sourced by apply and verify. apt: upgrade candidates from a security origin,
# the releases unattended-upgrades' security pattern matches (archive *-security; Debian's label Debian-Security).
# dnf: `dnf --security check-update`. The first online apply installs them before anything else.
UPDATES_MARKER=/var/lib/bulwark/first-apply-updates
UPDATES_MAX_LIST_AGE_DAYS=2

# One line per pending security update: "PACKAGE INSTALLED -> CANDIDATE". Returns 2 when it cannot tell.
updates_pending() {
  local out rc=0
  if [ "$FAMILY" = debian ]; then
    # apt-get -s prints: Inst PKG [INSTALLED] (CANDIDATE Label:Version/Archive, ... [arch])
    out=$(apt-get -s -o Debug::NoLocking=1 dist-upgrade 2>&1) || return 2
    printf '%s\n' "$out" | sed -n 's/^Inst \([^ ]*\) \[\([^]]*\)\] (\([^ ]*\) \(.*\)$/\1|\2|\3|\4/p' |
      awk -F'|' '$4 ~ /-security|Debian-Security:/ { print $1, $2, "->", $3 }'
  else
    out=$(dnf -q --security check-update 2>/dev/null) || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 100 ] || return 2
    printf '%s\n' "$out" | awk 'NF == 3 && $1 ~ /\./ && $2 ~ /^[0-9]/ { print $1, "->", $2 }'
  fi
}

# Days since the package lists were last refreshed (a large number when never).
updates_list_age_days() {
  local newest
  if [ "$FAMILY" = debian ]; then
    newest=$(find /var/lib/apt/lists -maxdepth 1 -name '*Release' -printf '%T@\n' 2>/dev/null | sort -n | tail -1)
  else
    newest=$(find /var/cache/dnf -name repomd.xml -printf '%T@\n' 2>/dev/null | sort -n | tail -1)
  fi
  [ -n "$newest" ] || { echo 99999; return; }
  echo $((($(date +%s) - ${newest%.*}) / 86400))
}

updates_first_apply() {
  local pending pkgs
  [ ! -f "$UPDATES_MARKER" ] || return 0
  if [ -n "$FIRST_UPDATES_WAIVER" ]; then
    log "first-apply security updates skipped by updates.waiver (${FIRST_UPDATES_WAIVER#*|})"
    return 0
  fi
  # Offline or chroot (image build): no network to fetch from; the first apply on the running host installs them.
  if ! runtime; then log "offline apply: pending security updates are left to the first online apply"; return 0; fi
  if [ "$FAMILY" = debian ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=120 >/dev/null 2>&1 ||
      log "apt-get update failed: deciding from the package lists on disk"
  fi
  if ! pending=$(updates_pending); then log "cannot list pending security updates: verify fails updates until it can"; return 0; fi
  if [ -n "$pending" ]; then
    pkgs=$(printf '%s\n' "$pending" | awk '{ print $1 }' | tr '\n' ' ')
    log "installing security updates: $pkgs"
    if [ "$FAMILY" = debian ]; then
      # shellcheck disable=SC2086 # one word per package
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade -o DPkg::Lock::Timeout=120 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $pkgs >/dev/null 2>&1
    else
      dnf -y -q upgrade --security >/dev/null 2>&1
    fi || { log "security updates failed to install: verify fails updates until they are; next apply retries"; return 0; }
    changed "security updates $pkgs"
  fi
  mkdir -p "$(dirname "$UPDATES_MARKER")" && date -u +%FT%TZ >"$UPDATES_MARKER"
}

updates_verify() {
  local pending age
  if ! pending=$(updates_pending); then
    fail updates "cannot list pending security updates"
  elif [ -n "$pending" ]; then
    fail updates "security updates pending: $(printf '%s\n' "$pending" | paste -sd, - | sed 's/,/, /g')"
  else
    pass updates "no security updates pending"
  fi
  age=$(updates_list_age_days)
  if [ "$age" -gt "$UPDATES_MAX_LIST_AGE_DAYS" ]; then
    printf 'WARN    %-12s %s\n' updates "package lists are $age days old (over $UPDATES_MAX_LIST_AGE_DAYS): pending updates may be missing"
  fi
}
