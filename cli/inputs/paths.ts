/**
 * Property paths in PropertyPath.String() form (`tags.Name`, `ingress[0].cidrBlocks[0]`, `["key.with.dots"]`),
 * as detailedDiff keys use them.
 */
export type PathSegment = string | number;

export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === ".") {
      i++;
      continue;
    }
    if (c === "[") {
      const close = path[i + 1] === '"' ? path.indexOf('"]', i + 2) + 1 : path.indexOf("]", i);
      if (close <= i) return [...out, path.slice(i)];
      const inner = path.slice(i + 1, close);
      out.push(inner.startsWith('"') ? (JSON.parse(inner) as string) : Number(inner));
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}

export function formatPath(segs: readonly PathSegment[]): string {
  let s = "";
  for (const p of segs) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) s += s ? `.${p}` : p;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

export function getPath(v: unknown, segs: readonly PathSegment[]): unknown {
  let cur = v;
  for (const s of segs) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

/** Leaf-level differences between two decoded property trees (used when the CLI gave no detailedDiff). */
export function diffProps(before: unknown, after: unknown, base: PathSegment[] = []): { path: string; kind: string }[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (x: unknown) => x !== null && typeof x === "object";
  if (before === undefined) return [{ path: formatPath(base), kind: "add" }];
  if (after === undefined) return [{ path: formatPath(base), kind: "delete" }];
  if (!isObj(before) || !isObj(after) || Array.isArray(before) !== Array.isArray(after))
    return [{ path: formatPath(base), kind: "update" }];
  const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
  const out: { path: string; kind: string }[] = [];
  for (const k of keys) {
    const seg: PathSegment = Array.isArray(before) ? Number(k) : k;
    out.push(
      ...diffProps((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], [...base, seg]),
    );
  }
  return out;
}
