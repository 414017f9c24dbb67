# shellcheck shell=bash
# listener_units PORT [ADDR]: the systemd units holding TCP listeners on PORT (optionally on address ADDR),
# e.g. "mariadb.socket". A socket held by systemd itself (socket activation) shows as systemd in ss; it is
# mapped to its .socket unit through `systemctl list-sockets`. Other processes are named by their cgroup's unit.
listener_units() {
  local port=$1 addr=${2:-} line local_addr pid unit name out=""
  while read -r line; do
    local_addr=$(awk '{print $4}' <<<"$line")
    [ -z "$addr" ] || [ "$local_addr" = "$addr" ] || continue
    pid=$(grep -o 'pid=[0-9]*' <<<"$line" | head -n 1 | cut -d= -f2)
    unit=""
    # Several processes may hold one socket (systemd passes its socket to the service): systemd wins.
    if grep -q '("systemd",pid=1,' <<<"$line"; then
      unit=$(systemctl list-sockets --all --no-legend 2>/dev/null |
        awk -v p=":$port" -v a="$local_addr" '($1 == a || substr($1, length($1) - length(p) + 1) == p) { for (i = 2; i <= NF; i++) if ($i ~ /\.socket$/) { print $i; exit } }')
    fi
    if [ -z "$unit" ] && [ -n "$pid" ] && [ -r "/proc/$pid/cgroup" ]; then
      unit=$(sed -n 's|.*/\([^/]*\.\(service\|socket\|scope\)\)$|\1|p' "/proc/$pid/cgroup" | head -n 1)
    fi
    name=$(grep -o '(("[^"]*"' <<<"$line" | head -n 1 | tr -d '("')
    [ -n "$unit" ] || unit="${name:-a process} pid ${pid:-unknown}"
    case " $out " in *" $unit "*) ;; *) out="${out:+$out }$unit" ;; esac
  done < <(ss -H -ltnp "sport = :$port" 2>/dev/null)
  printf '%s' "$out"
}
