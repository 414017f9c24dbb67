# shellcheck shell=bash
# Leftover local accounts (issue 9), sourced by apply and verify. Declared: root, ADMINS, SESSION_USER, ACCOUNTS_KEEP,
# system accounts (UID < UID_MIN, or no usable password + no key + no login shell). Any other account with a usable
# password, an SSH key or a privileged group is a leftover: apply locks and expires it (names only, never a hash).

# One line per leftover: NAME STATE (STATE: open | locked = password locked and account expired).
accounts_leftovers() {
  local uid_min today keep
  uid_min=$(awk '$1 == "UID_MIN" { print $2; exit }' /etc/login.defs 2>/dev/null)
  today=$(($(date -u +%s) / 86400))
  keep=" root $ADMINS $SESSION_USER $(for k in "${ACCOUNTS_KEEP[@]}"; do printf '%s ' "${k%%|*}"; done)"
  getent passwd | while IFS=: read -r name _ uid _ _ home shell; do
    case "$keep" in *" $name "*) continue ;; esac
    [ "$uid" -ge "${uid_min:-1000}" ] || continue
    local pw expire key=0 priv=0 g
    IFS=: read -r _ pw _ _ _ _ _ expire _ < <(getent shadow "$name" || echo "$name:*:::::::")
    for f in "$home/.ssh/authorized_keys" "$home/.ssh/authorized_keys2" "/etc/ssh/authorized_keys/$name"; do
      [ ! -s "$f" ] || key=1
    done
    for g in $(id -nG "$name" 2>/dev/null); do
      case " $PRIV_GROUPS " in *" $g "*) priv=1 ;; esac
    done
    case "$pw" in '!'* | '*'*) usable=0 ;; *) usable=1 ;; esac
    case "$shell" in */nologin | */false | '') login=0 ;; *) login=1 ;; esac
    [ "$usable$key$login" != 000 ] || continue # a system account by definition
    [ "$usable$key$priv" != 000 ] || continue
    if [ "$usable" = 0 ] && [ -n "$expire" ] && [ "$expire" -le "$today" ]; then echo "$name locked"; else echo "$name open"; fi
  done
}

# Sudoers user specs whose principal is undeclared: FILE: PRINCIPAL. Privileged groups are policed by membership.
accounts_sudo_grants() {
  local allowed f
  allowed=" root $ADMINS $SESSION_USER $(for k in "${ACCOUNTS_KEEP[@]}"; do printf '%s ' "${k%%|*}"; done)"
  allowed="$allowed $(for g in $PRIV_GROUPS; do printf '%%%s ' "$g"; done)"
  # sudo skips includedir files whose names hold a dot or end in ~.
  for f in /etc/sudoers /etc/sudoers.d/*; do
    [ -f "$f" ] || continue
    case "${f#/etc/sudoers.d/}" in *.* | *'~') [ "$f" = /etc/sudoers ] || continue ;; esac
    awk -v allowed="$allowed" -v f="$f" '
      /^[ \t]*(#|$)/ || /^[ \t]*(Defaults|User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias|@include)/ { next }
      /=/ { p = $1; sub(/^%:/, "%", p); if (index(allowed, " " p " ") == 0) print f ": " p }' "$f"
  done
}

accounts_apply() {
  local name state
  while read -r name state; do
    [ "$state" = open ] || continue
    if [ "$ACCOUNTS_MODE" = lock ]; then
      usermod -L -e 1 "$name" >/dev/null && changed "locked and expired leftover account $name"
    else
      log "leftover account $name (accounts.undeclared: report, not locked)"
    fi
  done < <(accounts_leftovers)
  accounts_sudo_grants | while read -r grant; do log "sudoers grant to an undeclared principal: $grant"; done
  # su only for the admin group (CIS U22 5.3.7): a known password gives nobody else root through su.
  if [ -f /etc/pam.d/su ]; then
    awk -v want="auth       required   pam_wheel.so use_uid group=$ADMIN_GROUP" '
      /^[ \t]*auth[ \t].*pam_wheel\.so/ { next }
      { print }
      !done && /^[ \t]*auth[ \t].*pam_rootok\.so/ { print want; done = 1 }
      END { if (!done) print want }' /etc/pam.d/su | put_text /etc/pam.d/su 0644 root root
  fi
}

accounts_verify() {
  local name state bad="" grants k
  while read -r name state; do
    [ "$state" = open ] && bad="$bad $name"
  done < <(accounts_leftovers)
  if [ -z "$bad" ]; then pass accounts "no unlocked undeclared account (usable password, SSH key or privileged group)"; else fail accounts "unlocked leftover accounts:$bad"; fi
  grants=$(accounts_sudo_grants | tr '\n' ';')
  if [ -z "$grants" ]; then pass accounts "sudoers grants only to declared principals"; else fail accounts "sudoers grants to undeclared principals: $grants"; fi
  check accounts "su restricted to $ADMIN_GROUP (pam_wheel, U22 5.3.7)" grep -Eq "^auth[[:space:]]+required[[:space:]]+pam_wheel\.so use_uid group=$ADMIN_GROUP\$" /etc/pam.d/su
  for k in "${ACCOUNTS_KEEP[@]}"; do waiver_check accounts "${k#*|}"; done
}
