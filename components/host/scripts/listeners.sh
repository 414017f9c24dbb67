# shellcheck shell=bash
# listener_units PORT: the units holding TCP listeners on PORT. A socket that systemd holds (socket activation:
# ss shows systemd, with or without the service) is named by its .socket unit (`systemctl list-sockets`).
listener_units() {
  local l
  l=$(ss -Hltnp "sport = :$1" 2>/dev/null)
  if grep -q '"systemd",pid=1,' <<<"$l"; then
    systemctl list-sockets --all --no-legend 2>/dev/null | \
      awk -v p=":$1" 'substr($1, length($1) - length(p) + 1) == p { print $2 }'
  else
    ps -o unit= -p "$(grep -o 'pid=[0-9]*' <<<"$l" | cut -d= -f2 | sort -u | paste -sd, -)" 2>/dev/null
  fi | sort -u | paste -sd ' ' -
}
