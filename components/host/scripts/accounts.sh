# shellcheck shell=bash
# Leftover local accounts (issue 9), sourced by apply and verify. Declared: root, ADMINS, SESSION_USER, ACCOUNTS_KEEP,
# system accounts (UID < UID_MIN, or no usable password + no key + no login shell). Any other account with a usable
# password, an SSH key or a privileged group (PRIV_GROUPS) is a leftover: apply locks and expires it. Names only are
# printed, never a hash. Terse on purpose: every byte of code counts against EC2's 16 KiB user data (comment lines
# are stripped there).
AK=" root $ADMINS $SESSION_USER ${ACCOUNTS_KEEP[*]%%|*} "

# One line per leftover: NAME open|locked (locked: password locked and account expired).
# awk arrays: p/e password and expiry (shadow), q members of a privileged group, n group names by gid.
acct_left() {
  awk -F: -v k="$AK" -v g=" $PRIV_GROUPS " -v t=$(($(date +%s) / 86400)) \
    -v m="$(awk '$1=="UID_MIN"{print $2}' /etc/login.defs)" '
FILENAME~/sh/{p[$1]=$2;e[$1]=$8;next}
FILENAME~/gr/{n[$3]=$1;if(index(g," "$1" "))for(i=split($4,u,",");i;i--)q[u[i]]=1;next}
index(k," "$1" ")||$3<(m?m:1000){next}
{s=0;split($6"/.ssh/authorized_keys "$6"/.ssh/authorized_keys2 /etc/ssh/authorized_keys/"$1,f," ")
for(i in f){if((getline l<f[i])>0)s=1;close(f[i])}
w=($1 in p)&&p[$1]!~/^[!*]/;h=$7!~/(nologin|false)$/&&$7!="";r=q[$1]||index(g," "n[$4]" ")
if((w||s||h)&&(w||s||r))print $1,(!w&&e[$1]!=""&&e[$1]<=t?"locked":"open")}' /etc/shadow /etc/group /etc/passwd
}

# "FILE: PRINCIPAL" per sudoers user spec granting to an undeclared principal. Privileged groups are policed by
# membership (their members are leftovers above). sudo skips includedir files whose names hold a dot or end in ~.
acct_sudo() {
  local f
  for f in /etc/sudoers /etc/sudoers.d/*; do
    case $f in /etc/sudoers.d/*.* | *'~') continue ;; esac
    [ ! -f "$f" ] || awk -v k="$AK %${PRIV_GROUPS// / %} " '/^[ \t]*(#|$|Defaults|[A-Z][a-z]*_Alias|@include)/{next}
/=/{sub(/^%:/,"%",$1);if(!index(k," "$1" "))print FILENAME": "$1}' "$f"
  done
}

accounts_apply() {
  local n s
  while read -r n s; do
    [ "$s" = open ] || continue
    [ "$ACCOUNTS_MODE" = lock ] || { log "leftover account $n"; continue; }
    usermod -L -e 1 "$n" || die "cannot lock $n"
    changed "locked account $n"
  done < <(acct_left)
  acct_sudo | while read -r s; do log "undeclared sudoers grant $s"; done
  # su only for the admin group (CIS U22 5.3.7): pam_wheel right after pam_rootok.
  [ ! -f /etc/pam.d/su ] || awk -v w="auth required pam_wheel.so use_uid group=$ADMIN_GROUP" \
    '/^[ \t]*auth.*pam_wheel/{next}{print}
!d&&/^[ \t]*auth.*pam_rootok/{print w;d=1}END{if(!d)print w}' /etc/pam.d/su | put_text /etc/pam.d/su 0644 root root
}

accounts_verify() {
  local b k
  b=$(acct_left | awk '$2=="open"{printf " %s",$1}')
  if [ -z "$b" ]; then pass accounts "no unlocked leftover account"; \
  else fail accounts "unlocked leftover accounts:$b"; fi
  b=$(acct_sudo | paste -sd';' -)
  if [ -z "$b" ]; then pass accounts "sudoers grant only to declared"; \
  else fail accounts "undeclared sudoers grants: $b"; fi
  check accounts "su only for $ADMIN_GROUP" \
    grep -qx "auth required pam_wheel.so use_uid group=$ADMIN_GROUP" /etc/pam.d/su
  for k in "${ACCOUNTS_KEEP[@]}"; do waiver_check accounts "${k#*|}"; done
}
