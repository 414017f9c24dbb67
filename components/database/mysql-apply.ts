/**
 * The path that applies application users to an RDS MySQL instance (pure: renders a bash script; ManagedMySql runs
 * it with @pulumi/command on the machine running `pulumi up`).
 *
 *   1. `aws ssm start-session` port-forwards a local port through an SSM-managed instance inside the VPC (one of the
 *      database's client security groups) to the RDS endpoint: no inbound path, no public database.
 *   2. The admin credentials come from the RDS-managed master secret (Secrets Manager) straight into a 0600
 *      `--defaults-extra-file` in a private temp dir that is removed on exit: never argv, never stdout, never state.
 *   3. Application passwords (password-auth apps only) arrive as secret environment variables and reach the server
 *      as hex on stdin; the SQL builds CREATE USER server-side (see mysql-sql.ts), so no SQL text holds a password.
 *   4. TLS is required and the server certificate verified against the RDS CA bundle.
 * The script prints only progress lines; @pulumi/command runs it with logging off.
 */
import { passwordVariable, renderUserSql, SESSION_PRELUDE, userNameSchema, type UserSqlInput } from "./mysql-sql";

export interface ApplyScriptInput {
  users: readonly UserSqlInput[];
}

/** Env var carrying a password-auth user's password (a secret input of the Command). */
export function passwordEnvVar(user: string): string {
  return `BULWARK_PW_${userNameSchema.parse(user).toUpperCase()}`;
}

/**
 * Environment the script reads (all set by ManagedMySql; the two marked * are how tests and break-glass runs reuse
 * it without AWS): DB_HOST, DB_PORT, AWS_REGION, MASTER_SECRET_ARN (or *BULWARK_MYSQL_DEFAULTS_FILE), SSM_TARGET
 * (empty: connect directly), CA_BUNDLE (or download the region's RDS bundle), *MYSQL_CLIENT, BULWARK_PW_<USER>.
 */
export function renderApplyScript(input: ApplyScriptInput): { script: string; sql: string } {
  const statements = input.users.flatMap((u) => renderUserSql(u, "mysql"));
  const sql = [SESSION_PRELUDE, ...statements].join("\n");
  const pwUsers = input.users.filter((u) => u.auth.kind === "password");
  const script =
    `#!/usr/bin/env bash
# Bulwark ManagedMySql: apply application users. Prints no credential (see components/database/mysql-apply.ts).
set -euo pipefail
set +x
umask 077
work="$(mktemp -d)"
fwd=""
cleanup() { [ -n "$fwd" ] && kill "$fwd" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
client="\${MYSQL_CLIENT:-mysql}"
host="$DB_HOST"; port="$DB_PORT"

if [ -n "\${SSM_TARGET:-}" ]; then
  lport=$(( 20000 + RANDOM % 20000 ))
  aws ssm start-session --region "$AWS_REGION" --target "$SSM_TARGET" \\
    --document-name AWS-StartPortForwardingSessionToRemoteHost \\
    --parameters "host=$DB_HOST,portNumber=$DB_PORT,localPortNumber=$lport" >"$work/ssm.log" 2>&1 &
  fwd=$!
  for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$lport") 2>/dev/null && break; sleep 1; done
  host=127.0.0.1; port=$lport
  echo "bulwark-mysql: port-forward through $SSM_TARGET ready"
fi

# Admin credentials: RDS-managed secret -> 0600 option file. The JSON never reaches stdout or argv.
if [ -n "\${MASTER_SECRET_ARN:-}" ]; then
  aws secretsmanager get-secret-value --region "$AWS_REGION" --secret-id "$MASTER_SECRET_ARN" \\
    --query SecretString --output text | node -e '
      let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const j = JSON.parse(s);
        if (/["\\n\\r]/.test(j.password + j.username)) { ` +
    `console.error("unsupported character in the master secret"); process.exit(1); }
        process.stdout.write("[client]\\nuser=\\"" + j.username + "\\"\\npassword=\\"" + ` +
    `j.password.replace(/\\\\/g, "\\\\\\\\") + "\\"\\n");
      });' >"$work/admin.cnf"
else
  cat "\${BULWARK_MYSQL_DEFAULTS_FILE:?set MASTER_SECRET_ARN or BULWARK_MYSQL_DEFAULTS_FILE}" >"$work/admin.cnf"
fi

# TLS: verify the server certificate (hostname too when connecting directly).
ca="\${CA_BUNDLE:-}"
if [ -z "$ca" ]; then
  ca="$work/rds-ca.pem"
  curl -fsS --proto '=https' "https://truststore.pki.rds.amazonaws.com/$AWS_REGION/$AWS_REGION-bundle.pem" -o "$ca"
fi
if "$client" --version | grep -q MariaDB; then
  [ -n "$fwd" ] && { echo "bulwark-mysql: through a port-forward use the MySQL client (VERIFY_CA); ` +
    `MariaDB's would skip verification" >&2; exit 1; }
  tls=(--ssl --ssl-ca="$ca" --ssl-verify-server-cert)
elif [ -n "$fwd" ]; then
  tls=(--ssl-mode=VERIFY_CA --ssl-ca="$ca")
else
  tls=(--ssl-mode=VERIFY_IDENTITY --ssl-ca="$ca")
fi

hexenv() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \\n'; }
{
${pwUsers
  .map((u) => {
    const v = passwordEnvVar(u.name);
    return `  [ -n "\${${v}:-}" ] || { echo "bulwark-mysql: ${v} is not set" >&2; exit 1; }
  printf "SET ${passwordVariable(u.name)} = CONVERT(UNHEX('%s') USING utf8mb4);\\n" "$(hexenv "$${v}")"`;
  })
  .join("\n")}
  cat <<'BULWARK_SQL'
${sql}
BULWARK_SQL
} | "$client" --defaults-extra-file="$work/admin.cnf" --host="$host" --port="$port" --protocol=tcp ` +
    `"\${tls[@]}" --batch --silent
echo "bulwark-mysql: applied ${input.users.length} application user(s): ${input.users.map((u) => u.name).join(", ")}"
`;
  return { script, sql };
}
