# --- static body of `apply` (the generated header above sets the variables). Idempotent; run as root. ---
# Runtime actions (load, reload, restart) happen only when systemd runs; in an image build or chroot the files,
# units and databases are prepared and the first boot starts them.
umask 022
CHANGES=0
CHANGED_PATHS=" "
log() { printf 'bulwark-apply: %s\n' "$*"; }
die() { printf 'bulwark-apply: ERROR: %s\n' "$*" >&2; exit 1; }
changed() { CHANGES=$((CHANGES + 1)); CHANGED_PATHS="$CHANGED_PATHS$1 "; log "changed: $1"; }
# A failing step is reported and apply goes on with every independent step; it exits non-zero at the end.
FAILED_STEPS=()
step_failed() { FAILED_STEPS+=("$1"); printf 'bulwark-apply: FAILED: %s\n' "$1" >&2; }
was_changed() { case "$CHANGED_PATHS" in *" $1 "*) return 0 ;; esac; return 1; }
runtime() { [ "${BULWARK_OFFLINE:-0}" != 1 ] && [ -d /run/systemd/system ]; }
in_container() { systemd-detect-virt --container --quiet 2>/dev/null; }

[ "$(id -u)" = 0 ] || die "run as root"
# shellcheck disable=SC1091
. /etc/os-release
[ "${BULWARK_SKIP_OS_CHECK:-0}" = 1 ] || [ "$ID-$VERSION_ID" = "$EXPECT_OS_RELEASE" ] ||
  die "bundle rendered for $BULWARK_OS ($EXPECT_OS_RELEASE), this host is $ID-$VERSION_ID"

pkg_installed() {
  if [ "$FAMILY" = debian ]; then
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
  else
    rpm -q "$1" >/dev/null 2>&1
  fi
}

pkg_install() {
  if [ "$FAMILY" = debian ]; then
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } ||
      die "could not install: $*; preinstall them in the image or give the host a package mirror"
  else
    dnf install -y -q "$@" || die "could not install: $*"
  fi
}

# put SRC DEST MODE OWNER GROUP: install when content, mode or owner differ (atomic rename).
put() {
  local src=$1 dst=$2 mode=$3 owner=$4 group=$5 want
  want="$(printf '%o' "$((8#$mode))") $owner $group"
  if [ -f "$dst" ] && cmp -s "$src" "$dst"; then
    if [ "$(stat -c '%a %U %G' "$dst")" != "$want" ]; then
      chmod "$mode" "$dst" && chown "$owner:$group" "$dst" && changed "$dst"
    fi
    return 0
  fi
  mkdir -p "$(dirname "$dst")"
  install -m "$mode" -o "$owner" -g "$group" "$src" "$dst.bulwark-new"
  mv -f "$dst.bulwark-new" "$dst"
  changed "$dst"
}

# put_text DEST MODE OWNER GROUP < content. No temporary file unless something changes (a re-run writes nothing).
put_text() {
  local content dst=$1 mode=$2 owner=$3 group=$4
  content=$(cat; echo x)
  content=${content%x}
  if [ -f "$dst" ] && printf '%s' "$content" | cmp -s - "$dst"; then
    fix_perm "$dst" "$mode" "$owner" "$group"
    return 0
  fi
  mkdir -p "$(dirname "$dst")"
  printf '%s' "$content" >"$dst.bulwark-new"
  chmod "$mode" "$dst.bulwark-new" && chown "$owner:$group" "$dst.bulwark-new"
  mv -f "$dst.bulwark-new" "$dst"
  changed "$dst"
}

# fix_perm PATH MODE OWNER GROUP: only when PATH exists.
fix_perm() {
  local p=$1 mode=$2 owner=$3 group=$4 want
  [ -e "$p" ] || return 0
  want="$(printf '%o' "$((8#$mode))") $owner $group"
  if [ "$(stat -c '%a %U %G' "$p")" != "$want" ]; then
    chmod "$mode" "$p" && chown "$owner:$group" "$p" && changed "$p"
  fi
}

# set_kv FILE SEP KEY VALUE: set `KEY<SEP>VALUE` in place (first occurrence), append if absent.
set_kv() {
  local file=$1 sep=$2 key=$3 value=$4 out
  out=$(awk -v k="$key" -v v="$value" -v sep="$sep" '
    BEGIN { done = 0 }
    {
      line = $0; sub(/^[ \t]+/, "", line)
      split(line, a, /[ \t=]+/)
      if (!done && a[1] == k && line !~ /^#/) { print k sep v; done = 1; next }
      print
    }
    END { if (!done) print k sep v }' "$file"; echo x)
  out=${out%x}
  printf '%s' "$out" | cmp -s - "$file" && return 0
  printf '%s' "$out" >"$file"
  changed "$file:$key"
}

unit_exists() { [ -n "$(systemctl list-unit-files --no-legend "$1" 2>/dev/null)" ]; }

enable_unit() {
  local state
  state=$(systemctl is-enabled "$1" 2>/dev/null || true)
  case "$state" in
    enabled | static | alias) ;;
    masked) systemctl unmask "$1" >/dev/null 2>&1 && systemctl enable "$1" >/dev/null 2>&1 && changed "unit $1" ;;
    *)
      systemctl enable "$1" >/dev/null 2>&1 || die "cannot enable $1"
      changed "unit $1"
      ;;
  esac
}

mask_unit() {
  unit_exists "$1" || return 0
  [ "$(systemctl is-enabled "$1" 2>/dev/null || true)" = masked ] && return 0
  if runtime; then systemctl stop "$1" >/dev/null 2>&1 || true; fi
  systemctl disable "$1" >/dev/null 2>&1 || true
  systemctl mask "$1" >/dev/null 2>&1 && changed "masked $1"
}

# --- pending security updates, on the first online apply, before anything else (lib/updates.sh) ---
updates_first_apply

# --- packages (preinstalled images skip the network entirely) ---
missing=()
for p in $PACKAGES; do pkg_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  pkg_install "${missing[@]}"
  changed "packages ${missing[*]}"
fi
# Known-broken package releases are upgraded (e.g. Ubuntu 24.04's release-pocket fail2ban on Python 3.12).
for floor in $MIN_VERSIONS; do
  p=${floor%%:*} min=${floor#*:}
  have=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
  if [ -n "$have" ] && dpkg --compare-versions "$have" lt "$min"; then
    log "upgrading $p $have (< $min)"
    pkg_install "$p"
    changed "upgraded $p"
  fi
done
for p in $FORBIDDEN_PACKAGES; do
  if pkg_installed "$p"; then
    if [ "$FAMILY" = debian ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$p" >/dev/null; \
    else dnf remove -y -q "$p"; fi
    changed "removed package $p"
  fi
done
mkdir -p /run/sshd /var/lib/bulwark /etc/bulwark
chmod 0700 /var/lib/bulwark

# --- admins (U22 5.4.x): group for AllowGroups, accounts with no usable password ---
if ! getent group "$ADMIN_GROUP" >/dev/null; then groupadd "$ADMIN_GROUP" && changed "group $ADMIN_GROUP"; fi
for u in $ADMINS; do
  if ! id "$u" >/dev/null 2>&1; then
    useradd -m -s /bin/bash -G "$ADMIN_GROUP" -p '*' "$u" && changed "user $u"
  fi
  if ! id -nG "$u" | tr ' ' '\n' | grep -qx "$ADMIN_GROUP"; then \
    usermod -aG "$ADMIN_GROUP" "$u" && changed "group member $u"; fi
  home=$(getent passwd "$u" | cut -d: -f6)
  fix_perm "$home" 0700 "$u" "$(id -gn "$u")"
done

# --- Session Manager run-as user (SSM does not create it): no password, no SSH keys, sudo through the admin group ---
if [ -n "$SESSION_USER" ]; then
  if ! id "$SESSION_USER" >/dev/null 2>&1; then
    useradd -m -s /bin/bash -G "$ADMIN_GROUP" -p '*' "$SESSION_USER" && changed "session user $SESSION_USER"
  fi
  if ! id -nG "$SESSION_USER" | tr ' ' '\n' | grep -qx "$ADMIN_GROUP"; then \
    usermod -aG "$ADMIN_GROUP" "$SESSION_USER" && changed "group member $SESSION_USER"; fi
fi

# --- leftover accounts locked, sudoers grants reported, su for the admin group only (lib/accounts.sh) ---
accounts_apply

# --- SSH host keys and moduli (SB sshd-14, sshd-48, sshd-50) ---
ssh_snapshot
for t in ed25519 rsa; do
  if [ ! -s "/etc/ssh/ssh_host_${t}_key" ]; then
    bits=(); [ "$t" != rsa ] || bits=(-b 4096)
    ssh-keygen -q -t "$t" "${bits[@]}" -N '' -f "/etc/ssh/ssh_host_${t}_key" >/dev/null && changed "host key $t"
  fi
done
rsa_bits=$(ssh-keygen -l -f /etc/ssh/ssh_host_rsa_key.pub | awk '{print $1}')
if [ "$rsa_bits" -lt "$SSH_RSA_MIN_BITS" ]; then
  rm -f /etc/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_rsa_key.pub
  ssh-keygen -q -t rsa -b 4096 -N '' -f /etc/ssh/ssh_host_rsa_key >/dev/null && changed "host key rsa 4096"
fi
for k in /etc/ssh/ssh_host_*_key; do fix_perm "$k" 0600 root "$SSH_KEY_GROUP"; done
if [ -f /etc/ssh/moduli ]; then
  awk -v min="$SSH_MODULI_MIN_BITS" '/^#/ || $5 >= min' /etc/ssh/moduli | put_text /etc/ssh/moduli 0644 root root
fi
[ -f /etc/ssh/revoked_keys ] || { install -m 0600 /dev/null /etc/ssh/revoked_keys && changed /etc/ssh/revoked_keys; }
[ -f /etc/ssh/sshd_config.pre-bulwark ] || \
  cp -p /etc/ssh/sshd_config /etc/ssh/sshd_config.pre-bulwark 2>/dev/null || true

# --- egress: the addresses the output chain needs from this host (resolvers, collector, IDS manager) ---
# shellcheck source=lib/egress.sh
. "$BUNDLE_DIR/lib/egress.sh"

# --- validate before anything is swapped in ---
ssh_validate
nft -c -f "$BUNDLE_DIR/files$NFT_CONF" || die "rendered nftables ruleset fails nft -c"
if [ -f "$BUNDLE_DIR/files/etc/sudoers.d/50-bulwark" ]; then
  visudo -cqf "$BUNDLE_DIR/files/etc/sudoers.d/50-bulwark" || die "rendered sudoers fails visudo -c"
fi

# --- every rendered file, from the manifest: MODE OWNER GROUP PATH ---
while read -r mode owner group path; do
  [ -n "$path" ] || continue
  [ "$SSH_OK" = 1 ] || [ "$path" != /etc/ssh/sshd_config ] || continue
  put "$BUNDLE_DIR/files$path" "$path" "$mode" "$owner" "$group"
done <"$BUNDLE_DIR/manifest"

# --- auditd: tool rules for what exists here, privileged (setuid/setgid) commands (U22 6.3.3.6, 6.3.3.15-19) ---
{
  echo "## generated by bulwark apply from this host's files"
  for entry in $AUDITED_TOOLS; do
    tool=${entry%%:*} key=${entry#*:}
    [ -x "$tool" ] && echo "-a always,exit -F path=$tool -F perm=x -F auid>=1000 -F auid!=unset -k $key"
  done
  find /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin -xdev -type f \( -perm -4000 -o -perm -2000 \) \
    2>/dev/null | sort |
    while read -r f; do echo "-a always,exit -F path=$f -F perm=x -F auid>=1000 -F auid!=unset -k privileged"; done
} | put_text /etc/audit/rules.d/51-bulwark-privileged.rules 0640 root root
for kv in "${AUDITD_CONF[@]}"; do set_kv /etc/audit/auditd.conf " = " "${kv%% *}" "${kv#* }"; done
fix_perm /etc/audit/auditd.conf 0640 root root
before=$(md5sum </etc/audit/audit.rules 2>/dev/null || true)
augenrules >/dev/null 2>&1 || die "augenrules could not compile /etc/audit/rules.d"
[ "$(md5sum </etc/audit/audit.rules 2>/dev/null || true)" = "$before" ] || changed /etc/audit/audit.rules

# --- login.defs (LB os-05) ---
for kv in "${LOGIN_DEFS[@]}"; do set_kv /etc/login.defs " " "${kv%% *}" "${kv#* }"; done

# --- permissions (LB os-02, os-03, os-13; U22 7.1.x) ---
fix_perm /etc/passwd 0644 root root
fix_perm /etc/group 0644 root root
fix_perm /etc/shadow "$SHADOW_MODE" root "$SHADOW_GROUP"
fix_perm /etc/gshadow "$SHADOW_MODE" root "$SHADOW_GROUP"
fix_perm /etc/ssh 0755 root root
fix_perm /etc/login.defs 0644 root root
fix_perm /etc/crontab 0600 root root
for d in /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d; do \
  fix_perm "$d" 0700 root root; done
for f in /etc/hosts.equiv /root/.rhosts /root/.netrc; do [ ! -e "$f" ] || { rm -f "$f" && changed "removed $f"; }; done

# --- units: enable what the bundle runs, mask unused services (U22 2.1.x) ---
for u in $UNUSED_UNITS $MASK_UNITS; do mask_unit "$u"; done
runtime || ssh_mask_socket # live, ssh_activate hands port 22 over
# A unit a hook installs (the IDS agent) is enabled once its hook has run.
installed_later=()
for u in $ENABLE_UNITS; do if unit_exists "$u"; then enable_unit "$u"; else installed_later+=("$u"); fi; done

# --- agents and role extras (IDS, log shipper, MySQL for role db), each a generated hook in lib/ ---
for hook in "$BUNDLE_DIR"/lib/*.apply.sh; do
  [ -f "$hook" ] || continue
  out=$(BUNDLE_DIR="$BUNDLE_DIR" bash "$hook") || step_failed "$(basename "$hook") failed: $out"
  [ -z "$out" ] || printf '%s\n' "$out"
  n=$(printf '%s\n' "$out" | grep -c '^changed:' || true)
  CHANGES=$((CHANGES + n))
done
# A unit still missing is a failed step, not the end of apply: the firewall below still loads.
for u in "${installed_later[@]}"; do
  if unit_exists "$u"; then enable_unit "$u"; else step_failed "cannot enable $u: it is not installed"; fi
done

mta_apply

# --- runtime: load and restart, SSH last ---
if runtime; then
  if in_container; then
    sysctl -q -e -p /etc/sysctl.d/90-bulwark.conf >/dev/null 2>&1 || log "sysctl: kernel.* are read-only in a container"
  else
    sysctl -q -e -p /etc/sysctl.d/90-bulwark.conf >/dev/null || step_failed "sysctl -p failed"
  fi

  # Firewall: one atomic transaction that replaces only table inet bulwark. Established traffic (this session)
  # is accepted first; over SSH a timed rollback restores the previous table unless `verify --confirm-firewall`,
  # run from a NEW connection, proves the management path still works.
  if was_changed "$NFT_CONF" || was_changed "$EGRESS_NFT" || ! nft list table inet bulwark >/dev/null 2>&1; then
    mkdir -p /run/bulwark
    { echo "table inet bulwark"; echo "delete table inet bulwark"; nft list table inet bulwark 2>/dev/null || true; } \
      >/var/lib/bulwark/fw-rollback.nft
    # Armed when applied by a person or HardenedHost (SSH, sudo, or BULWARK_FW_CONFIRM=1); not from cloud-init.
    if ! nft -f "$NFT_CONF"; then
      step_failed "firewall: nft -f $NFT_CONF failed; previous ruleset kept"
    elif [ -n "${SSH_CONNECTION:-}${SUDO_USER:-}" ] || [ "${BULWARK_FW_CONFIRM:-0}" = 1 ]; then
      touch /run/bulwark/fw-pending
      # shellcheck disable=SC2016 # expanded by the inner sh
      setsid sh -c 'sleep "$1"; if [ -f /run/bulwark/fw-pending ]; then nft -f /var/lib/bulwark/fw-rollback.nft; rm -f /run/bulwark/fw-pending; logger -t bulwark "firewall not confirmed: previous ruleset restored"; fi' \
        bulwark-fw-rollback "$FW_ROLLBACK_SECONDS" </dev/null >/dev/null 2>&1 &
      log "firewall loaded; rolls back in ${FW_ROLLBACK_SECONDS}s unless confirmed by verify --confirm-firewall"
    fi
  fi
  if was_changed /etc/fail2ban/jail.d/bulwark.local || ! systemctl is-active --quiet fail2ban; then
    if fail2ban-client -t >/dev/null; then
      systemctl restart fail2ban || step_failed "fail2ban: restart failed"
    else
      step_failed "fail2ban: fail2ban-client -t failed"
    fi
  fi
  if ! in_container; then
    systemctl is-active --quiet auditd || systemctl start auditd
    if was_changed /etc/audit/audit.rules; then
      if auditctl -s | grep -q '^enabled 2'; then
        log "audit rules are immutable until reboot: the new rules load at next boot"
      else
        augenrules --load >/dev/null
      fi
    fi
  fi
  for u in $START_UNITS; do \
    systemctl is-active --quiet "$u" || systemctl start "$u" || step_failed "cannot start $u"; done
  if [ -n "$LOG_RESTART_UNIT" ] && { [ "$CHANGES" -gt 0 ] || ! systemctl is-active --quiet "$LOG_RESTART_UNIT"; }; then
    systemctl restart "$LOG_RESTART_UNIT" || step_failed "cannot restart $LOG_RESTART_UNIT"
  fi
  ssh_activate
fi

# --- AIDE (U22 6.1.1): (re)initialise after the approved changes of this run, never on a no-op run ---
if [ ! -s "$AIDE_DB" ] || [ "$CHANGES" -gt 0 ]; then
  mkdir -p "$(dirname "$AIDE_DB")"
  rm -f "$AIDE_DB.new"
  "$AIDE_BIN" --config "$AIDE_CONF" --init >/dev/null 2>&1 || \
    { rc=$?; [ "$rc" -lt 14 ] || die "aide --init failed ($rc)"; }
  mv -f "$AIDE_DB.new" "$AIDE_DB"
  chmod 0600 "$AIDE_DB"
  log "AIDE database initialised"
fi

if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
  log "FAILED: ${#FAILED_STEPS[@]} step(s) failed (see FAILED above), $CHANGES change(s), bundle $BUNDLE_HASH"
  exit 1
fi
log "done: $CHANGES change(s), bundle $BUNDLE_HASH"
