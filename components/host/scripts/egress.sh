# shellcheck shell=bash
# Sourced by apply before the ruleset is validated (issue 9, docs/host-egress.md). Writes the elements of the
# output chain's address sets that only the host knows: its DNS resolvers (resolv.conf, or systemd-resolved's
# upstreams behind the 127.0.0.53 stub; egress.dns overrides), and the log collector's and IDS manager's
# addresses (names resolved now: re-apply when they move). Open egress (waived) needs none of it.
egress_elements() { # SET ADDR...: `add element` lines, v4 and v6 apart; loopback (always allowed) and zones dropped
  local set=$1 a v4="" v6=""
  shift
  for a in "$@"; do
    a=${a%%%*}
    case "$a" in
      127.* | ::1 | '') ;;
      *:*) case " $v6 " in *" $a "*) ;; *) v6="$v6 $a" ;; esac ;;
      *.*) case " $v4 " in *" $a "*) ;; *) v4="$v4 $a" ;; esac ;;
    esac
  done
  # shellcheck disable=SC2086 # word lists
  [ -z "$v4" ] || echo "add element inet bulwark ${set}_v4 { $(printf '%s\n' $v4 | paste -sd, -) }"
  # shellcheck disable=SC2086
  [ -z "$v6" ] || echo "add element inet bulwark ${set}_v6 { $(printf '%s\n' $v6 | paste -sd, -) }"
}
egress_lookup() { [ -z "$1" ] || getent ahosts "$1" 2>/dev/null | awk '{print $1}' | sort -u; }

if [ "$EGRESS_MODE" = restricted ]; then
  dns=$EGRESS_DNS
  if [ -z "$dns" ]; then
    dns=$(awk '$1 == "nameserver" {print $2}' /etc/resolv.conf 2>/dev/null || true)
    case " $dns " in
      *" 127.0.0.53 "* | *" 127.0.0.54 "*)
        dns="$dns $(awk '$1 == "nameserver" {print $2}' /run/systemd/resolve/resolv.conf 2>/dev/null || true)"
        dns="$dns $(resolvectl dns 2>/dev/null | sed 's/^[^:]*://' || true)"
        ;;
    esac
  fi
  logs_addr=$(egress_lookup "$EGRESS_LOG_HOST")
  ids_addr=$(egress_lookup "$EGRESS_IDS_HOST")
  [ -n "$logs_addr" ] || [ -z "$EGRESS_LOG_HOST" ] || log "WARNING: egress: cannot resolve log collector $EGRESS_LOG_HOST now; re-apply once DNS answers"
  [ -n "$ids_addr" ] || [ -z "$EGRESS_IDS_HOST" ] || log "WARNING: egress: cannot resolve IDS manager $EGRESS_IDS_HOST now; re-apply once DNS answers"
  # shellcheck disable=SC2086 # word lists
  { echo "# Bulwark egress: addresses found by apply. Generated: edits are overwritten."
    egress_elements dns $dns
    egress_elements logs $logs_addr
    egress_elements ids $ids_addr
  } | put_text "$EGRESS_NFT" 0644 root root
elif [ -e "$EGRESS_NFT" ]; then
  rm -f "$EGRESS_NFT" && changed "$EGRESS_NFT"
fi
