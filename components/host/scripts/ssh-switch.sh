# --- SSH: switch from socket activation to the SSH service safely on a live host (part of apply) ---
# Ubuntu 24.04 ships ssh.socket: stopping it stops ssh.service too, whose RuntimeDirectory /run/sshd goes with it,
# so a later `sshd -t` fails ("Missing privilege separation directory") and nothing listens on port 22. Here the
# runtime directory is made before every sshd -t; the hardened config is validated before it is installed; the
# socket hands port 22 to the service in one step; sshd must then answer on its port, else the previous /etc/ssh
# and unit states come back. Over SSH a timed rollback restores them too unless `verify --confirm-firewall`, run
# from a NEW connection, proves sshd still lets the operator in.
SNAP=/run/bulwark/ssh-rollback
SSH_OK=1
SVC=$SSH_UNIT.service

rundir() { mkdir -p /run/sshd && chmod 0755 /run/sshd; }

# Before any SSH file changes: /etc/ssh and the unit states, in /run (this boot only; host keys stay 0600).
ssh_snapshot() {
  runtime || return 0
  rm -rf "$SNAP" && mkdir -p "$SNAP" && chmod 0700 /run/bulwark "$SNAP"
  cp -a /etc/ssh "$SNAP/etc-ssh"
  echo "sock_en=$(systemctl is-enabled "$SSH_SOCKET" 2>/dev/null) sock_on=$(systemctl is-active "$SSH_SOCKET")" \
    >"$SNAP/units" || true
}

# The rendered sshd_config with this host's drop-ins; when sshd -t rejects it, no SSH setting is installed.
ssh_validate() {
  local e
  rundir
  e=$(sshd -t -f "$BUNDLE_DIR/files/etc/ssh/sshd_config" 2>&1) && return 0
  SSH_OK=0
  step_failed "ssh: sshd -t rejects the hardened config: $(echo "$e" | head -2 | \
    tr -s '\r\n' '  ')- rolled back: SSH left as it was"
}

# sshd itself (not a socket unit) listens on its port, within ${1:-50} tries 0.2 s apart.
ssh_answers() {
  local _
  for _ in $(seq "${1:-50}"); do
    ss -Hltnp "sport = :$SSH_PORT" | grep -q '"sshd"' && return 0
    sleep 0.2
  done
  return 1
}

# Restores /etc/ssh and the unit states of the snapshot, then restarts whichever unit held port 22.
ssh_restore() {
  local sock_en sock_on
  # shellcheck disable=SC1091
  . "$SNAP/units" && cp -a "$SNAP/etc-ssh/." /etc/ssh/ || return 1
  rundir
  if [ "$sock_en" != masked ]; then
    systemctl unmask "$SSH_SOCKET"
    [ "$sock_en" != enabled ] || systemctl enable "$SSH_SOCKET"
  fi
  if [ "$sock_on" = active ]; then systemctl stop "$SVC"; systemctl start "$SSH_SOCKET"; \
  else systemctl restart "$SVC"; fi
} >/dev/null 2>&1

ssh_rollback() {
  SSH_OK=0
  if ssh_restore; then step_failed "ssh: $1 - rolled back: previous SSH config and units restored"; \
  else step_failed "ssh: $1 - roll back failed"; fi
}

# Offline and live: the socket unit is masked (dev-sec #763: it ignores MaxStartups/ListenAddress).
ssh_mask_socket() {
  unit_exists "$SSH_SOCKET" || return 0
  [ "$(systemctl is-enabled "$SSH_SOCKET" 2>/dev/null)" != masked ] || return 0
  systemctl disable "$SSH_SOCKET" >/dev/null 2>&1 || true
  systemctl mask "$SSH_SOCKET" >/dev/null 2>&1 && changed "masked $SSH_SOCKET"
}

# Live: the socket hands port 22 to the service, or the service reloads or (re)starts; then sshd must answer.
ssh_activate() {
  [ "$SSH_OK" = 1 ] || return 0
  local sw=0
  rundir
  ! systemctl is-active --quiet "$SSH_SOCKET" || sw=1
  ssh_mask_socket
  if [ "$sw" = 1 ]; then
    # The socket and the service it started stop together; the service starts on its own at once.
    systemctl stop "$SSH_SOCKET" "$SVC" || true
    rundir
    systemctl start "$SVC" || true
    changed "ssh: port $SSH_PORT handed from $SSH_SOCKET to $SVC"
  elif ! systemctl is-active --quiet "$SVC" || ! ssh_answers 1; then
    systemctl restart "$SVC" || true
    changed "ssh: $SVC was down: restarted"
  else
    case "$CHANGED_PATHS" in *" /etc/ssh/sshd_config "* | *" /etc/ssh/moduli "* | *" host key"*) ;; *) return 0 ;; esac
    # reload keeps running sessions; the listener re-reads sshd_config.
    systemctl reload-or-restart "$SVC" || true
  fi
  if ! systemctl is-active --quiet "$SVC" || ! ssh_answers; then
    ssh_rollback "sshd does not listen on port $SSH_PORT: $(journalctl -u "$SVC" -n2 -ocat 2>&1 | tr -s '\r\n' '  ')"
    return 0
  fi
  # Over SSH, as for the firewall: unless verify --confirm-firewall from a new connection confirms sshd, roll back.
  [ -n "${SSH_CONNECTION:-}${SUDO_USER:-}" ] || [ "${BULWARK_FW_CONFIRM:-0}" = 1 ] || return 0
  { declare -f rundir ssh_restore; echo "SNAP=$SNAP SSH_SOCKET=$SSH_SOCKET SVC=$SVC ssh_restore"; } >"$SNAP/restore.sh"
  touch /run/bulwark/ssh-pending
  # shellcheck disable=SC2016 # expanded by the inner sh
  setsid sh -c 'sleep "$0"; [ -f /run/bulwark/ssh-pending ] || exit; bash "$1"; rm -f /run/bulwark/ssh-pending; logger -t bulwark "sshd not confirmed: previous SSH config restored"' \
    "$FW_ROLLBACK_SECONDS" "$SNAP/restore.sh" </dev/null >/dev/null 2>&1 &
  log "sshd rolls back in ${FW_ROLLBACK_SECONDS}s unless confirmed by verify --confirm-firewall"
}
