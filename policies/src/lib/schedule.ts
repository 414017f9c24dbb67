/**
 * How often a Secrets Manager rotation runs: `automaticallyAfterDays`, `rate(N days|hours)`, or a `cron(...)`
 * read as its longest gap between two rotation days. Cron expressions are AWS's six fields (minutes hours
 * day-of-month month day-of-week year); the gap is measured day by day over eight calendar years (leap years and
 * 31-day months included), so `cron(0 0 1 1/4 ? *)` (every fourth month) is 123 days, not "monthly".
 */
import { get, num, str } from "../values";

/** Days between rotations; `Infinity` when the rules set no period; "unknown" in preview; an error text when
 * unreadable. */
export type Period = number | "unknown" | { invalid: string };

export function rotationPeriod(rules: unknown): Period {
  if (str(rules) === "unknown") return "unknown";
  const after = num(get(rules, "automaticallyAfterDays"));
  const sched = str(get(rules, "scheduleExpression"));
  if (after === "unknown" || sched === "unknown") return "unknown";
  const periods: Period[] = [];
  if (typeof after === "number") periods.push(after);
  if (sched !== undefined && sched.trim() !== "") periods.push(schedulePeriod(sched.trim()));
  if (!periods.length) return Infinity;
  const bad = periods.find((p) => typeof p === "object");
  if (bad) return bad;
  // Both given: the longer one bounds how stale the secret can get.
  return Math.max(...(periods as number[]));
}

const cache = new Map<string, Period>();

export function schedulePeriod(expr: string): Period {
  let p = cache.get(expr);
  if (p === undefined) {
    p = parseSchedule(expr);
    if (cache.size > 256) cache.clear();
    cache.set(expr, p);
  }
  return p;
}

function parseSchedule(expr: string): Period {
  const rate = expr.match(/^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/i);
  if (rate) return /hour/i.test(rate[2]) ? Number(rate[1]) / 24 : Number(rate[1]);
  const cron = expr.match(/^cron\(\s*([^)]*?)\s*\)$/i);
  if (cron) return cronLongestGap(cron[1]);
  return { invalid: `scheduleExpression ${JSON.stringify(expr)} is neither rate(N days|hours) nor cron(...)` };
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FROM = Date.UTC(2024, 0, 1);
const YEARS = 8;
const DAY = 86_400_000;

/** Values a list field (`*`, `a`, `a-b`, `a/b`, `a-b/c`, lists, names) allows, or undefined when unreadable. */
function values(field: string, min: number, max: number, names: string[] = [], base = 1): Set<number> | undefined {
  const out = new Set<number>();
  const val = (t: string) => {
    const i = names.indexOf(t.toUpperCase());
    const n = i >= 0 ? i + base : /^\d+$/.test(t) ? Number(t) : NaN;
    return n >= min && n <= max ? n : NaN;
  };
  for (const part of field.split(",")) {
    const m = part.match(/^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/);
    if (!m) return undefined;
    const step = m[2] ? Number(m[2]) : 1;
    let lo: number, hi: number;
    if (m[1] === "*") [lo, hi] = [min, max];
    else if (m[1].includes("-")) [lo, hi] = m[1].split("-").map(val) as [number, number];
    else [lo, hi] = [val(m[1]), m[2] ? max : val(m[1])];
    if (Number.isNaN(lo) || Number.isNaN(hi) || step < 1 || lo > hi) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

type DayTest = (d: Date) => boolean;

const lastDom = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();

function domTest(f: string): DayTest | undefined {
  if (f === "?" || f === "*") return () => true;
  if (f === "L") return (d) => d.getUTCDate() === lastDom(d);
  // Nearest weekday: read as the named day (at most two days off, within the same month).
  const w = f.match(/^(\d+|L)W$/);
  if (w) return domTest(w[1]);
  const s = values(f, 1, 31);
  return s && ((d) => s.has(d.getUTCDate()));
}

function dowTest(f: string): DayTest | undefined {
  if (f === "?" || f === "*") return () => true;
  const dow = (t: string) => values(t, 1, 7, DAYS, 1);
  const last = f.match(/^([A-Za-z0-9]+)?L$/);
  if (last) {
    const s = last[1] ? dow(last[1]) : new Set([7]);
    return s && ((d) => s.has(d.getUTCDay() + 1) && d.getUTCDate() + 7 > lastDom(d));
  }
  const nth = f.match(/^([A-Za-z0-9]+)#([1-5])$/);
  if (nth) {
    const s = dow(nth[1]);
    const k = Number(nth[2]);
    return s && ((d) => s.has(d.getUTCDay() + 1) && Math.ceil(d.getUTCDate() / 7) === k);
  }
  const s = dow(f);
  return s && ((d) => s.has(d.getUTCDay() + 1));
}

/** The longest gap, in days, between two days on which the cron fires (Infinity when it stops firing). */
export function cronLongestGap(body: string): Period {
  const f = body.split(/\s+/);
  const invalid = { invalid: `cron(${body}) is not a valid six-field AWS cron expression` };
  if (f.length !== 6) return invalid;
  const [min, hour, dom, month, dow, year] = f;
  if (!values(min, 0, 59) || !values(hour, 0, 23)) return invalid;
  if ((dom === "?") === (dow === "?")) return invalid;
  const dt = domTest(dom);
  const wt = dowTest(dow);
  const ms = values(month, 1, 12, MONTHS, 1);
  const ys = year === "*" ? undefined : values(year, 1970, 2199);
  if (!dt || !wt || !ms || (year !== "*" && !ys)) return invalid;
  let prev: number | undefined;
  let gap = 0;
  const end = Date.UTC(2024 + YEARS, 0, 1);
  for (let t = FROM; t < end; t += DAY) {
    const d = new Date(t);
    if (!ms.has(d.getUTCMonth() + 1) || !dt(d) || !wt(d) || (ys && !ys.has(d.getUTCFullYear()))) continue;
    if (prev !== undefined) gap = Math.max(gap, Math.round((t - prev) / DAY));
    prev = t;
  }
  if (prev === undefined) return Infinity;
  // A schedule limited to some years stops rotating after the last one.
  if (ys) gap = Math.max(gap, Math.round((end - prev) / DAY));
  return gap;
}
