# shellcheck shell=bash
# Leftover local accounts (issue 9), sourced by apply and verify. Declared: root, ADMINS, SESSION_USER, ACCOUNTS_KEEP,
# system accounts (UID < UID_MIN, or no usable password + no key + no login shell). Any other account with a usable
# password, an SSH key or a privileged group (PRIV_GROUPS) is a leftover: apply locks and expires it. Names only are
# printed, never a hash. Kept short: every byte counts against EC2's 16 KiB user data.

# One line per leftover: NAME open|locked (locked: password locked and account expired).
acct_left() {
  awk -F: -v keep=" root $ADMINS $SESSION_USER ${ACCOUNTS_KEEP[*]%%|*} " -v priv=" $PRIV_GROUPS " \
    -v now=$(($(date +%s) / 86400)) -v min="$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs)" '
    FILENAME ~ /shadow/ { pw[$1] = $2; ex[$1] = $8; next }
    FILENAME ~ /group/ { gn[$3] = $1; if (index(priv, " " $1 " ")) { n = split($4, u, ","); for (i = 1; i <= n; i++) pg[u[i]] = 1 }; next }
    index(keep, " " $1 " ") || $3 < (min ? min : 1000) { next }
    {
      k = 0
      split($6 "/.ssh/authorized_keys " $6 "/.ssh/authorized_keys2 /etc/ssh/authorized_keys/" $1, f, " ")
      for (i in f) if ((getline l < f[i]) > 0) { k = 1; close(f[i]) }
      p = ($1 in pw) && pw[$1] !~ /^[!*]/; s = $7 !~ /(nologin|false)$/ && $7 != ""; g = pg[$1] || index(priv, " " gn[$4] " ")
      if (!(p || k || s) || !(p || k || g)) next
      print $1, (!p && ex[$1] != "" && ex[$1] <= now ? "locked" : "open")
    }' /etc/shadow /etc/group /etc/passwd
}

# "FILE: PRINCIPAL" for sudoers user specs granting to an undeclared principal. Privileged groups are policed by
# membership (their members are leftovers above). sudo skips includedir files whose names hold a dot or end in ~.
acct_sudo() {
  local f
  for f in /etc/sudoers /etc/sudoers.d/*; do
    case "$f" in /etc/sudoers.d/*.* | *'~') continue ;; esac
    [ ! -f "$f" ] || awk -v ok=" root $ADMINS $SESSION_USER ${ACCOUNTS_KEEP[*]%%|*} %${PRIV_GROUPS// / %} " '
      /^[ \t]*(#|$|Defaults|[A-Z][a-z]*_Alias|@include)/ { next }
      /=/ { p = $1; sub(/^%:/, "%", p); if (!index(ok, " " p " ")) print FILENAME ": " p }' "$f"
  done
}

accounts_apply() {
  local n s
  while read -r n s; do
    [ "$s" = open ] || continue
    [ "$ACCOUNTS_MODE" = lock ] || { log "leftover account $n (report only)"; continue; }
    usermod -L -e 1 "$n" || die "cannot lock $n"
    changed "locked leftover account $n"
  done < <(acct_left)
  acct_sudo | while read -r g; do log "sudoers grant to undeclared $g"; done
  # su only for the admin group (CIS U22 5.3.7), right after pam_rootok.
  [ ! -f /etc/pam.d/su ] || awk -v w="auth required pam_wheel.so use_uid group=$ADMIN_GROUP" '
    /^[ \t]*auth.*pam_wheel/ { next }
    { print }
    !d && /^[ \t]*auth.*pam_rootok/ { print w; d = 1 }
    END { if (!d) print w }' /etc/pam.d/su | put_text /etc/pam.d/su 0644 root root
}

accounts_verify() {
  local bad g k
  bad=$(acct_left | awk '$2 == "open" { printf " %s", $1 }')
  if [ -z "$bad" ]; then pass accounts "no unlocked leftover account"; else fail accounts "unlocked leftover accounts:$bad"; fi
  g=$(acct_sudo | paste -sd';' -)
  if [ -z "$g" ]; then pass accounts "sudoers grants only to declared principals"; else fail accounts "sudoers grants to undeclared: $g"; fi
  check accounts "su only for $ADMIN_GROUP (U22 5.3.7)" grep -qx "auth required pam_wheel.so use_uid group=$ADMIN_GROUP" /etc/pam.d/su
  for k in "${ACCOUNTS_KEEP[@]}"; do waiver_check accounts "${k#*|}"; done
}
