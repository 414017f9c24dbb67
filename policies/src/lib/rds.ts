/** What the database controls share: engine family, read replicas, and the boolean-flag control shape. */
import type { PolicyDef, Res } from "../framework";
import { RDS_TYPES as R } from "../types";
import { bool, isSet, str } from "../values";

export type EngineFamily = "mysql" | "postgres" | "sqlserver" | "other" | "unknown";

export function engineFamily(r: Res): EngineFamily {
  const e = str(r.props.engine);
  if (e === "unknown") return "unknown";
  const s = (e ?? (r.type === R.cluster ? "aurora" : "")).toLowerCase();
  if (s === "") return "unknown";
  if (s === "mysql" || s === "mariadb" || s === "aurora" || s === "aurora-mysql") return "mysql";
  if (s === "postgres" || s === "aurora-postgresql") return "postgres";
  if (s.startsWith("sqlserver")) return "sqlserver";
  return "other";
}

export const isReplica = (r: Res) => isSet(r.props.replicateSourceDb) && r.props.replicateSourceDb !== "";

export function boolPolicy(
  meta: Omit<PolicyDef, "check" | "types"> & { types: readonly string[] },
  prop: string,
  want: boolean,
  label: string,
  skip?: (r: Res) => boolean,
): PolicyDef {
  return {
    ...meta,
    check(r, _ctx, emit) {
      if (skip?.(r)) return;
      const v = bool(r.props[prop]);
      if (v === "unknown") emit.unknown(`${prop} is unknown during preview`);
      else if (v !== want) emit.fail(`${prop} is ${v === undefined ? "not set" : String(v)}: ${label}`);
    },
  };
}
