# shellcheck shell=bash
# --- MTA local-only mode (CIS U22 2.1.21 "mail transfer agent is configured for local-only mode") ---
# Sourced by apply and verify (functions only). Postfix and exim4 listen on loopback only; local delivery (AIDE,
# cron reports) keeps working. Other MTAs are reported by verify with the fix. MTA_ROOT: tests only.
MTA_ROOT=${MTA_ROOT:-}
PF="$MTA_ROOT/etc/postfix"
EXIM="$MTA_ROOT/etc/exim4/update-exim4.conf.conf"
EXIM_LO="dc_local_interfaces='127.0.0.1 ; ::1'"

# Undeclared SMTP listeners (25, 465, 587) beyond loopback: " 25 587" or nothing.
mta_wide() {
  local p
  for p in 25 465 587; do
    case " $ALLOWED_TCP " in *" $p "*) continue ;; esac
    ss -Htln "sport = :$p" | awk '{print $4}' | grep -qvE '^(127\.|\[::1\]|\[::ffff:127\.)' && printf ' %s' "$p"
  done
  return 0
}

# Restart UNIT when its setting changed ($2 = 1) or it still listens wide; never when it is stopped.
mta_restart() {
  runtime && systemctl is-active --quiet "$1" || return 0
  [ "$2" = 1 ] || [ -n "$(mta_wide)" ] || return 0
  systemctl restart "$1" || step_failed "mta: cannot restart $1"
}

mta_apply() {
  local c=0 kv
  if [ -f "$PF/main.cf" ]; then
    for kv in inet_interfaces=loopback-only inet_protocols=all; do
      [ "$(postconf -c "$PF" -h "${kv%%=*}")" = "${kv#*=}" ] && continue
      postconf -c "$PF" -e "$kv" && changed "postfix: $kv" && c=1
    done
    mta_restart postfix "$c"
  fi
  c=0
  if [ -f "$EXIM" ] && ! grep -qx "$EXIM_LO" "$EXIM"; then
    sed -i '/^dc_local_interfaces=/d' "$EXIM" && echo "$EXIM_LO" >>"$EXIM"
    if update-exim4.conf; then changed "exim4: $EXIM_LO" && c=1; else step_failed "mta: update-exim4.conf failed"; fi
  fi
  [ ! -f "$EXIM" ] || mta_restart exim4 "$c"
}

# verify: the MTA's own setting, MTAs Bulwark does not set, and (live) what listens.
mta_verify() {
  local wide
  [ ! -f "$PF/main.cf" ] || check services "postfix local-only (inet_interfaces = loopback-only)" \
    grep -qx 'inet_interfaces = loopback-only' "$PF/main.cf"
  [ ! -f "$EXIM" ] || check services "exim4 local-only ($EXIM_LO)" grep -qx "$EXIM_LO" "$EXIM"
  if [ -f "$MTA_ROOT/etc/mail/sendmail.mc" ] && \
    ! grep -q '^DAEMON_OPTIONS(.*Addr=127\.0\.0\.1' "$MTA_ROOT/etc/mail/sendmail.mc"; then
    fail services \
      "sendmail not local-only: set Addr=127.0.0.1 in each DAEMON_OPTIONS of /etc/mail/sendmail.mc, run sendmailconfig"
  fi
  if grep -sE '^\s*listen on' "$MTA_ROOT/etc/smtpd.conf" | grep -qvE 'listen on (lo|localhost)\b'; then
    fail services "opensmtpd not local-only: use only 'listen on localhost' in /etc/smtpd.conf, restart opensmtpd"
  fi
  [ "$STATIC" = 0 ] || return 0
  wide=$(mta_wide)
  if [ -z "$wide" ]; then pass services "no SMTP listener beyond loopback"; \
  else fail services "SMTP listens beyond loopback:$wide (make the MTA local-only)"; fi
}
