# shellcheck shell=bash
# Sourced by apply before the ruleset is validated (issue 9, docs/host-egress.md). Writes the elements of the
# output chain's address sets only the host knows: its DNS resolvers (resolv.conf, or systemd-resolved's
# upstreams behind the 127.0.0.53 stub; egress.dns overrides), the log collector's and IDS manager's addresses
# (names resolved now: re-apply when they move). Loopback is always allowed; zone suffixes are dropped.
egress_set() { # SET ADDR...
  local s=$1 a v4="" v6=""
  shift
  for a in $(printf '%s\n' "${@%%\%*}" | sort -u); do
    case "$a" in 127.* | ::1) ;; *:*) v6="$v6, $a" ;; *) v4="$v4, $a" ;; esac
  done
  [ -z "$v4" ] || echo "add element inet bulwark ${s}_v4 { ${v4#, } }"
  [ -z "$v6" ] || echo "add element inet bulwark ${s}_v6 { ${v6#, } }"
}
if [ "$EGRESS_MODE" = restricted ]; then
  dns=${EGRESS_DNS:-$(awk '$1 == "nameserver" {print $2}' /etc/resolv.conf 2>/dev/null || true)}
  if [ -z "$EGRESS_DNS" ] && grep -qE '^127\.0\.0\.5[34]$' <<<"$dns"; then
    dns="$dns $(awk '$1 == "nameserver" {print $2}' /run/systemd/resolve/resolv.conf 2>/dev/null || true) $(resolvectl \
      dns 2>/dev/null | cut -d: -f2- || true)"
  fi
  # shellcheck disable=SC2086 # word lists
  { egress_set dns $dns
    for s in logs:"$EGRESS_LOG_HOST" ids:"$EGRESS_IDS_HOST"; do
      [ -n "${s#*:}" ] || continue
      a=$(getent ahosts "${s#*:}" | awk '{print $1}') || \
        log "WARNING: cannot resolve ${s#*:} now: its egress opens at the next apply" >&2
      egress_set "${s%%:*}" $a
    done
  } | put_text "$EGRESS_NFT" 0644 root root
elif [ -e "$EGRESS_NFT" ]; then
  rm -f "$EGRESS_NFT" && changed "$EGRESS_NFT"
fi
