# --- static body of `verify` (the generated header above sets the variables). Read-only; run as root. ---
# Checks every control on this host, InSpec-style: one line per check, exit 1 listing the failing control ids.
#   --static            check files only (image build, chroot): no running services or kernel state
#   --confirm-firewall  after a passing run, cancel the firewall rollback armed by `apply` over SSH
STATIC=0
CONFIRM=0
for arg in "$@"; do
  case "$arg" in
    --static) STATIC=1 ;;
    --confirm-firewall) CONFIRM=1 ;;
    *) echo "usage: verify [--static] [--confirm-firewall]" >&2; exit 2 ;;
  esac
done
[ -d /run/systemd/system ] || STATIC=1
CONTAINER=0
if [ "$STATIC" = 0 ] && systemd-detect-virt --container --quiet 2>/dev/null; then CONTAINER=1; fi
PASSED=0
FAILED_IDS=" "
SKIPPED=0

pass() { PASSED=$((PASSED + 1)); printf 'PASS    %-12s %s\n' "$1" "$2"; }
fail() {
  case "$FAILED_IDS" in *" $1 "*) ;; *) FAILED_IDS="$FAILED_IDS$1 " ;; esac
  printf 'FAIL    %-12s %s [%s]\n' "$1" "$2" "$(anchor "$1")"
}
skip() { SKIPPED=$((SKIPPED + 1)); printf 'SKIP    %-12s %s\n' "$1" "$2"; }
check() { # check ID DESCRIPTION COMMAND...
  local id=$1 desc=$2
  shift 2
  if "$@" >/dev/null 2>&1; then pass "$id" "$desc"; else fail "$id" "$desc"; fi
}
mode_is() { [ "$(stat -c '%a %U %G' "$1" 2>/dev/null)" = "$(printf '%o' "$((8#$2))") $3 $4" ]; }
enabled() { [ "$(systemctl is-enabled "$1" 2>/dev/null)" = enabled ]; }
active() { systemctl is-active --quiet "$1"; }
waiver_check() { # waiver_check ID "reason|approver|expires"
  local id=$1 reason approver expires
  IFS='|' read -r reason approver expires <<<"$2"
  if [[ "$(date -u +%F)" > "$expires" ]]; then
    fail "$id" "waiver expired on $expires (approver $approver)"
  else
    printf 'WAIVED  %-12s %s (approver %s, expires %s)\n' "$id" "$reason" "$approver" "$expires"
  fi
}
first_value() { # first value of KEY in an sshd_config-style file (what InSpec's sshd_config reads)
  awk -v k="$(echo "$2" | tr '[:upper:]' '[:lower:]')" '
    { line = $0; sub(/^[ \t]+/, "", line) }
    line ~ /^#/ || line == "" { next }
    tolower($1) == "match" { exit }
    tolower($1) == k { $1 = ""; sub(/^[ \t]+/, ""); if (k == "hostkey") { out = out (out ? "," : "") $0; next } print; exit }
    END { if (out) print out }' "$1"
}


# --- admins ---
for u in $ADMINS; do
  check admins "user $u exists in $ADMIN_GROUP" sh -c "id -nG '$u' | tr ' ' '\n' | grep -qx '$ADMIN_GROUP'"
done
for entry in $AUTHORIZED_KEYS_SHA; do
  u=${entry%%:*} want=${entry#*:}
  if [ "$(sha256sum "/etc/ssh/authorized_keys/$u" 2>/dev/null | cut -d' ' -f1)" = "$want" ]; then
    pass admins "authorized keys of $u are exactly the declared keys"
  else
    fail admins "authorized keys of $u differ from the declared keys"
  fi
done

if [ -n "$SESSION_USER" ]; then
  check admins "Session Manager user $SESSION_USER exists in $ADMIN_GROUP" \
    sh -c "id -nG '$SESSION_USER' | tr ' ' '\n' | grep -qx '$ADMIN_GROUP'"
  check admins "Session Manager user $SESSION_USER has no password and no SSH keys" \
    sh -c "[ \"\$(getent shadow '$SESSION_USER' | cut -d: -f2)\" = '*' ] && \
[ ! -s '/etc/ssh/authorized_keys/$SESSION_USER' ]"
fi

# --- ssh: the effective config (sshd -T) AND the main file's first values (what ssh-baseline reads) ---
# Expected values: the bundle's own copy of sshd_config, up to its Include line.
declare -A SSH_WANT=()
SSH_KEYS=()
while read -r key value; do
  case "$key" in '' | '#'* | Include | Subsystem) continue ;; esac
  if [ -n "${SSH_WANT[$key]+x}" ]; then SSH_WANT[$key]="${SSH_WANT[$key]},$value"; \
  else SSH_WANT[$key]=$value; SSH_KEYS+=("$key"); fi
done < <(sed '/^Include /q' "$BUNDLE_DIR/files/etc/ssh/sshd_config")
t_value() { # what sshd -T prints for KEY
  local entry
  for entry in "${SSH_T_OVERRIDES[@]}"; do
    if [ "${entry%%|*}" = "$1" ]; then echo "${entry#*|}"; return; fi
  done
  echo "${SSH_WANT[$1]}"
}
if effective=$(sshd -T -C user=root,host=localhost,addr=127.0.0.1,lport="$SSH_PORT" 2>&1); then
  bad=""
  n=0
  for key in "${SSH_KEYS[@]}"; do
    expect=$(t_value "$key")
    [ "$expect" != - ] || continue
    k=$(printf '%s' "$key" | tr '[:upper:]' '[:lower:]')
    n=$((n + 1))
    got=$(printf '%s\n' "$effective" | \
      awk -v k="$k" '$1 == k { $1 = ""; sub(/^ /, ""); out = out (out ? "," : "") $0 } END { print out }')
    [ "$got" = "$expect" ] || bad="$bad $k=${got:-unset}(want $expect)"
  done
  if [ -z "$bad" ]; then pass ssh "sshd -T: $n hardened values in effect"; else fail ssh "sshd -T:$bad"; fi
else
  fail ssh "sshd -T fails: $(printf '%s' "$effective" | head -1)"
fi
bad=""
for key in "${SSH_KEYS[@]}"; do
  got=$(first_value /etc/ssh/sshd_config "$key")
  [ "$got" = "${SSH_WANT[$key]}" ] || bad="$bad $key=${got:-unset}(want ${SSH_WANT[$key]})"
done
if [ -z "$bad" ]; then pass ssh "sshd_config states all ${#SSH_KEYS[@]} hardened values before any Include"; \
else fail ssh "sshd_config:$bad"; fi
check ssh "sshd_config is root:root 0600 (SB sshd-05)" mode_is /etc/ssh/sshd_config 0600 root root
check ssh "no DH moduli below $SSH_MODULI_MIN_BITS bits (SB sshd-48)" \
  sh -c "! awk '!/^#/ && \$5 < $SSH_MODULI_MIN_BITS' /etc/ssh/moduli | grep -q ."
check ssh "$SSH_SOCKET off (dev-sec #763)" \
  sh -c "! systemctl is-enabled -q $SSH_SOCKET && ! systemctl is-active -q $SSH_SOCKET"
if [ "$STATIC" = 0 ]; then check ssh "$SSH_UNIT is active, sshd listens on $SSH_PORT" \
  sh -c "systemctl is-active -q $SSH_UNIT && ss -Hltnp 'sport = :$SSH_PORT' | grep -q '\"sshd\"'"; fi

# --- firewall ---
check firewall "$NFT_CONF passes nft -c" nft -c -f "$NFT_CONF"
check firewall "$NFT_CONF is Bulwark's ruleset" grep -q '^table inet bulwark {' "$NFT_CONF"
check firewall "nftables.service enabled (loads the ruleset at boot)" enabled nftables.service
if [ "$STATIC" = 0 ]; then
  if loaded=$(nft list table inet bulwark 2>/dev/null); then
    # Here-strings, not `printf | grep -q`: under pipefail, grep quitting early fails printf with SIGPIPE.
    if grep -q 'hook input priority filter; policy drop;' <<<"$loaded" &&
      grep -q 'hook forward priority filter; policy drop;' <<<"$loaded"; then
      pass firewall "input and forward policy drop loaded"
    else
      fail firewall "loaded table inet bulwark is not default-drop"
    fi
    if [ "$EGRESS_MODE" = open ]; then waiver_check firewall "$EGRESS_WAIVER"
    else check firewall "output policy drop loaded (egress only to declared destinations)" \
      grep -q 'hook output priority filter; policy drop;' <<<"$loaded"; fi
    if fresh=$(unshare -n sh -c "nft -f '$NFT_CONF' && nft list table inet bulwark" 2>/dev/null); then
      if [ "$fresh" = "$loaded" ]; then pass firewall "loaded ruleset equals $NFT_CONF"; \
      else fail firewall "loaded ruleset differs from $NFT_CONF"; fi
    else
      skip firewall "cannot compare loaded ruleset with the file here (no unshare)"
    fi
  else
    fail firewall "table inet bulwark is not loaded"
  fi
fi

# --- fail2ban ---
check fail2ban "jail config passes fail2ban-client -t" fail2ban-client -t
check fail2ban "sshd jail bans through nftables" grep -q '^banaction = nftables' /etc/fail2ban/jail.d/bulwark.local
check fail2ban "fail2ban.service enabled" enabled fail2ban.service
if [ "$STATIC" = 0 ]; then check fail2ban "sshd jail running" fail2ban-client status sshd; fi

# --- auditd ---
check auditd "rules.d compiled into audit.rules (augenrules --check: no change)" \
  sh -c "augenrules --check 2>&1 | grep -q 'No change'"
check auditd "audit.rules ends immutable (-e 2)" \
  sh -c "grep -v '^#' /etc/audit/audit.rules | grep . | tail -1 | grep -qx -- '-e 2'"
check auditd "CIS rule set present ($AUDIT_RULE_COUNT rules)" \
  sh -c "[ \$(grep -c '^-[aw] ' /etc/audit/rules.d/50-bulwark.rules) -eq $AUDIT_RULE_COUNT ]"
bad=""
for kv in "${AUDITD_CONF[@]}"; do
  k=${kv%% *} want=${kv#* }
  got=$(awk -F' *= *' -v k="$k" '$1 == k { print $2; exit }' /etc/audit/auditd.conf)
  [ "$got" = "$want" ] || bad="$bad $k=${got:-unset}"
done
if [ -z "$bad" ]; then pass auditd "auditd.conf values (LB package-08)"; else fail auditd "auditd.conf:$bad"; fi
check auditd "auditd.service enabled" enabled auditd.service
if [ "$STATIC" = 0 ] && [ "$CONTAINER" = 0 ]; then
  check auditd "kernel audit enabled and locked (enabled 2)" sh -c "auditctl -s | grep -qx 'enabled 2'"
  want=$(grep -c '^-[aw] ' /etc/audit/audit.rules)
  check auditd "loaded rules equal the on-disk rules ($want)" sh -c "[ \$(auditctl -l | grep -c '^-[aw] ') -eq $want ]"
elif [ "$STATIC" = 0 ]; then
  skip auditd "loaded kernel rules: audit is not namespaced, a container cannot hold them"
fi

# --- aide ---
check aide "AIDE config checks out" "$AIDE_BIN" --config "$AIDE_CONF" --config-check
check aide "AIDE database initialised" test -s "$AIDE_DB"
check aide "scheduled check enabled" enabled bulwark-aide-check.timer
if [ "$STATIC" = 0 ]; then check aide "scheduled check timer active" active bulwark-aide-check.timer; fi

# --- updates ---
if [ -n "$PATCH_WAIVER" ]; then
  waiver_check updates "$PATCH_WAIVER"
elif [ "$FAMILY" = debian ]; then
  check updates "unattended-upgrades runs daily" \
    sh -c "apt-config dump | grep -qx 'APT::Periodic::Unattended-Upgrade \"1\";'"
  check updates "security origin allowed" \
    sh -c "apt-config dump | grep -q 'Unattended-Upgrade::Origins-Pattern:: \"$SECURITY_ORIGIN'"
  check updates "apt-daily-upgrade.timer enabled" enabled apt-daily-upgrade.timer
else
  check updates "dnf-automatic applies security updates" \
    sh -c "grep -qx 'apply_updates = yes' /etc/dnf/automatic.conf && \
grep -qx 'upgrade_type = security' /etc/dnf/automatic.conf"
  check updates "dnf-automatic.timer enabled" enabled dnf-automatic.timer
fi

updates_verify

# --- sysctl: expected values are the bundle's own copy of the file ---
mapfile -t SYSCTL < <(grep -v '^#' "$BUNDLE_DIR/files/etc/sysctl.d/90-bulwark.conf" | sed 's/ = / /')
bad=""
for kv in "${SYSCTL[@]}"; do
  k=${kv%% *} want=${kv#* }
  grep -qx "$k = $want" /etc/sysctl.d/90-bulwark.conf || bad="$bad $k"
done
if [ -z "$bad" ]; then pass sysctl "/etc/sysctl.d/90-bulwark.conf holds ${#SYSCTL[@]} values"; \
else fail sysctl "missing in file:$bad"; fi
if [ "$STATIC" = 0 ] && [ "$CONTAINER" = 0 ]; then
  bad=""
  for kv in "${SYSCTL[@]}"; do
    k=${kv%% *} want=${kv#* }
    got=$(sysctl -n "$k" 2>/dev/null) || continue # keys this kernel lacks
    [ "$got" = "$want" ] || bad="$bad $k=$got(want $want)"
  done
  if [ -z "$bad" ]; then pass sysctl "running kernel values"; else fail sysctl "running kernel:$bad"; fi
elif [ "$STATIC" = 0 ]; then
  skip sysctl "running values: a container shares the host kernel's sysctls"
fi

# --- accounts ---
bad=""
for kv in "${LOGIN_DEFS[@]}"; do
  k=${kv%% *} want=${kv#* }
  got=$(awk -v k="$k" '$1 == k { print $2; exit }' /etc/login.defs)
  [ "$got" = "$want" ] || bad="$bad $k=${got:-unset}"
done
if [ -z "$bad" ]; then pass accounts "login.defs values (LB os-05)"; else fail accounts "login.defs:$bad"; fi
check accounts "cracklib dictionary present (pwquality dictcheck needs it)" \
  sh -c "ls /var/cache/cracklib/cracklib_dict.pwd /usr/share/cracklib/pw_dict.pwd* 2>/dev/null | grep -q ."
check accounts "pwquality policy in place" sh -c "grep -qx 'minlen = 14' /etc/security/pwquality.conf.d/50-bulwark.conf"
check accounts "sudo logs to /var/log/sudo.log and uses a pty" \
  sh -c "grep -q '^Defaults use_pty' /etc/sudoers.d/50-bulwark && \
grep -q '^Defaults logfile=' /etc/sudoers.d/50-bulwark"

accounts_verify

# --- permissions ---
check permissions "/etc/passwd root:root 0644 (LB os-03)" mode_is /etc/passwd 0644 root root
check permissions "/etc/shadow root:$SHADOW_GROUP $SHADOW_MODE (LB os-02)" \
  mode_is /etc/shadow "$SHADOW_MODE" root "$SHADOW_GROUP"
check permissions "/etc/gshadow root:$SHADOW_GROUP $SHADOW_MODE" \
  mode_is /etc/gshadow "$SHADOW_MODE" root "$SHADOW_GROUP"
check permissions "no /etc/hosts.equiv (LB os-01)" test ! -e /etc/hosts.equiv
check permissions "unused filesystems and protocols blacklisted (LB os-10)" test -s /etc/modprobe.d/bulwark.conf
check permissions "core dumps off" sh -c "grep -q '^\* hard core 0' /etc/security/limits.d/10-bulwark-core.conf"
if [ -e /etc/crontab ]; then \
  check permissions "/etc/crontab root:root 0600 (LB os-13)" mode_is /etc/crontab 0600 root root; fi

# --- services ---
bad=""
for p in $FORBIDDEN_PACKAGES; do
  if [ "$FAMILY" = debian ]; then
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ] || bad="$bad $p"
  else
    ! rpm -q "$p" >/dev/null 2>&1 || bad="$bad $p"
  fi
done
if [ -z "$bad" ]; then pass services "no insecure legacy packages (LB package-01..09)"; \
else fail services "installed:$bad"; fi
if [ "$STATIC" = 0 ]; then
  # U22 2.1.22: only approved services listen beyond loopback.
  bad=$(ss -H -tln 2>/dev/null | awk '{print $4}' | grep -vE '^(127\.|\[::1\]|\[::ffff:127\.)' |
    sed 's/.*://' | sort -u |
    while read -r port; do \
      case " $ALLOWED_TCP " in *" $port "*) ;; *) printf ' %s(%s)' "$port" "$(listener_units "$port")" ;; esac; done)
  if [ -z "$bad" ]; then pass services "only declared TCP ports listen ($ALLOWED_TCP)"; \
  else fail services "undeclared TCP listeners:$bad"; fi
fi
mta_verify

# --- ids ---
case "$IDS_KIND" in
  none) waiver_check ids "$IDS_WAIVER" ;;
  wazuh)
    check ids "wazuh-agent installed" test -x /var/ossec/bin/wazuh-control
    check ids "agent points at $WAZUH_MANAGER" grep -q "<address>$WAZUH_MANAGER</address>" /var/ossec/etc/ossec.conf
    check ids "enrolment secret fetched from SSM at boot" enabled bulwark-wazuh-enrol.service
    if [ "$STATIC" = 0 ]; then check ids "wazuh-agent active" active wazuh-agent; fi
    ;;
  suricata)
    check ids "suricata config test" suricata -T -c /etc/suricata/suricata.yaml
    if [ "$STATIC" = 0 ]; then check ids "suricata active" active suricata; fi
    ;;
esac

# --- logging ---
case "$LOG_KIND" in
  rsyslog-tls)
    check logging "rsyslog forwarding config valid (rsyslogd -N1)" rsyslogd -N1
    check logging "forwarding over TLS to $LOG_TARGET" \
      grep -q 'StreamDriverMode="1"' /etc/rsyslog.d/60-bulwark-forward.conf
    if [ "$STATIC" = 0 ]; then check logging "rsyslog active" active rsyslog; fi
    ;;
  cloudwatch)
    check logging "CloudWatch agent installed" test -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
    check logging "CloudWatch agent config present" test -s /opt/aws/amazon-cloudwatch-agent/etc/bulwark.json
    if [ "$STATIC" = 0 ]; then check logging "CloudWatch agent active" active amazon-cloudwatch-agent; fi
    ;;
esac

# --- mysql (role db) ---
if [ -f "$BUNDLE_DIR/lib/mysql.verify.sh" ]; then
  if [ "$STATIC" = 1 ]; then
    skip mysql "MySQL checks need the running server"
  elif out=$(bash "$BUNDLE_DIR/lib/mysql.verify.sh" 2>&1); then
    pass mysql "mysql-baseline checks"
  else
    fail mysql "$(printf '%s\n' "$out" | sed -n 's/^FAIL //p' | paste -sd ';' | cut -c1-1500)"
  fi
fi

# From a new SSH connection, a passing ssh control proves sshd lets the operator in.
if [ "$CONFIRM" = 1 ] && [ -f /run/bulwark/ssh-pending ] && [[ "$FAILED_IDS" != *" ssh "* ]]; then
  rm -f /run/bulwark/ssh-pending && echo "verify: sshd confirmed; SSH rollback cancelled"
fi
if [ "$FAILED_IDS" = " " ]; then
  if [ "$CONFIRM" = 1 ] && [ -f /run/bulwark/fw-pending ]; then
    rm -f /run/bulwark/fw-pending
    echo "verify: firewall confirmed from a new connection; rollback cancelled"
  fi
  echo "verify: PASSED ($PASSED checks, $SKIPPED skipped) bundle $BUNDLE_HASH"
  exit 0
fi
echo "verify: FAILED controls:$FAILED_IDS($PASSED checks passed, $SKIPPED skipped)"
exit 1
