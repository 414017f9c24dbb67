/** Role `db`: the self-hosted MySQL/MariaDB hardening (../mysql.ts) as bundle files and apply/verify hooks. */
import type { HostModel } from "../model";
import { renderMysqlHardening } from "../mysql";
import type { BundleFile } from "../render";

export function mysqlParts(m: HostModel): { files: BundleFile[]; hooks: { name: string; content: string }[] } {
  if (!m.mysql) return { files: [], hooks: [] };
  const my = renderMysqlHardening(m.mysql);
  return {
    files: my.files.map((f) => ({ path: f.path, content: f.content, mode: f.mode, owner: "root", group: "mysql" })),
    hooks: [
      { name: "50-mysql.apply.sh", content: my.apply },
      { name: "mysql.verify.sh", content: my.verify },
    ],
  };
}
