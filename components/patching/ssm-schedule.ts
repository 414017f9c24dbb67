/**
 * SSM schedule expressions (maintenance windows, State Manager associations): `cron(...)` with the 6 fields SSM
 * takes (minutes hours day-of-month month day-of-week year) or `rate(N minute(s)|hour(s)|day(s))`. Checked here
 * so a typo fails at config time with the field and the fix, not at deploy time in the AWS API.
 */
import { z } from "zod";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Extra tokens the field takes: `?`, `L`, `W`, `#`. */
  question?: boolean;
  last?: boolean;
  weekday?: boolean;
  nth?: boolean;
}

const FIELDS: Field[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, question: true, last: true, weekday: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, question: true, last: true, nth: true },
  { name: "year", min: 1970, max: 2199 },
];

const USAGE =
  "write cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 3 ? * SUN *), " +
  "or rate(N minutes|hours|days), e.g. rate(1 day)";

function value(f: Field, v: string): number | undefined {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n >= f.min && n <= f.max ? n : undefined;
  }
  const i = f.names?.indexOf(v.toUpperCase()) ?? -1;
  return i >= 0 ? i + f.min : undefined;
}

/** Why one comma-separated item of a cron field is wrong, or undefined when it is fine. */
function itemProblem(f: Field, item: string): string | undefined {
  const range = `${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ""}`;
  if (item === "*") return undefined;
  if (item === "?") return f.question ? undefined : `"?" is only allowed in day-of-month or day-of-week`;
  if (f.last && item === "L") return undefined;
  if (f.weekday && (item === "LW" || /^\d{1,2}W$/.test(item)))
    return item === "LW" || value(f, item.slice(0, -1)) !== undefined
      ? undefined
      : `"${item}": the day before W must be ${range}`;
  if (f.last && f.nth && /^[^L]+L$/.test(item))
    return value(f, item.slice(0, -1)) !== undefined ? undefined : `"${item}": the day before L must be ${range}`;
  if (f.nth && item.includes("#")) {
    const [d, n] = item.split("#");
    return value(f, d) !== undefined && /^[1-5]$/.test(n)
      ? undefined
      : `"${item}": write day#n with a day ${range} and n from 1 to 5`;
  }
  const [base, step, extra] = item.split("/");
  if (extra !== undefined) return `"${item}" has more than one "/"`;
  if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1))
    return `"${item}": the step after "/" must be a whole number of at least 1`;
  if (base === "*" && step !== undefined) return undefined;
  const [from, to, more] = base.split("-");
  if (more !== undefined) return `"${item}" is not a value or a range`;
  if (value(f, from) === undefined) return `"${from}" is not ${range}`;
  if (to !== undefined && value(f, to) === undefined) return `"${to}" is not ${range}`;
  return undefined;
}

/** Why `expr` is not an SSM schedule expression (naming the field), or undefined when it is one. */
export function scheduleProblem(expr: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expr);
  if (rate) {
    const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(rate[1]);
    if (!m) return `the rate is not rate(N minutes|hours|days): ${USAGE}`;
    const n = Number(m[1]);
    if (n < 1) return `rate(${rate[1]}): the value must be at least 1`;
    const singular = !m[2].endsWith("s");
    if ((n === 1) !== singular) {
      const fixed = n === 1 ? `rate(1 ${m[2].replace(/s$/, "")})` : `rate(${n} ${m[2].replace(/s?$/, "s")})`;
      return `rate(${rate[1]}): write ${fixed} (singular unit only for 1)`;
    }
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (!cron) return `not an SSM schedule expression: ${USAGE}`;
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== 6)
    return (
      `cron has ${parts.length} field${parts.length === 1 ? "" : "s"}; ` +
      `SSM takes 6 (minutes hours day-of-month month day-of-week year): ${USAGE}`
    );
  for (let i = 0; i < 6; i++) {
    for (const item of parts[i].split(",")) {
      const p = itemProblem(FIELDS[i], item);
      if (p) return `cron field ${i + 1} (${FIELDS[i].name}) ${p}: ${USAGE}`;
    }
  }
  const [, , dom, , dow] = parts;
  if ((dom === "?") === (dow === "?"))
    return (
      `cron day-of-month "${dom}" and day-of-week "${dow}": exactly one of the two must be "?" ` +
      `(e.g. cron(0 3 ? * SUN *) or cron(0 3 1 * ? *))`
    );
  return undefined;
}

/** zod string for an SSM schedule expression; the issue message names the field and the fix. */
export const ssmScheduleSchema = z.string().superRefine((v, ctx) => {
  const p = v.trim() !== v ? "remove the spaces around the expression" : scheduleProblem(v);
  if (p) ctx.addIssue({ code: "custom", message: p });
});
