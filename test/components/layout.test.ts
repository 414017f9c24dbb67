/**
 * The components/ layout (docs/components.md): a component with token `bulwark:<area>:<Type>` is the class `Type`,
 * alone in `components/<area>/<type in kebab-case>.ts`; the top of components/ holds only shared modules.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "../../components");
const AREAS = ["network", "compute", "access", "storage", "security", "patching", "database", "host"];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
/** `ManagedMySql` is `managed-mysql.ts`: the file name and the class's kebab-case agree once dashes are dropped. */
const sameName = (file: string, cls: string) => file.replace(/-/g, "") === kebab(cls).replace(/-/g, "");

const components = tsFiles(ROOT).flatMap((file) => {
  const src = fs.readFileSync(file, "utf8");
  const classes = [...src.matchAll(/export class (\w+) extends pulumi\.ComponentResource/g)].map((m) => m[1]!);
  const tokens = [...src.matchAll(/super\(\s*"bulwark:(\w+):(\w+)"/g)].map((m) => ({ area: m[1]!, type: m[2]! }));
  return classes.length || tokens.length ? [{ rel: path.relative(ROOT, file), classes, tokens }] : [];
});

describe("components/ layout", () => {
  test("the scan finds the estate's components (a scan that found none would pass anything)", () => {
    expect(components.length).toBeGreaterThanOrEqual(14);
  });

  test.each(components.map((c) => [c.rel, c] as const))(
    "%s: one component, in its token's area, named after it",
    (_, c) => {
      expect(c.classes).toHaveLength(1);
      expect(c.tokens).toHaveLength(1);
      const { area, type } = c.tokens[0]!;
      expect(AREAS).toContain(area);
      expect(type).toBe(c.classes[0]);
      const base = path.basename(c.rel, ".ts");
      expect(path.dirname(c.rel)).toBe(area);
      expect(base).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(sameName(base, type)).toBe(true);
    },
  );

  test("the top of components/ holds shared modules only: no component, no folder but the areas", () => {
    const dirs = fs
      .readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(dirs.sort()).toEqual([...AREAS].sort());
    expect(components.filter((c) => !c.rel.includes(path.sep)).map((c) => c.rel)).toEqual([]);
  });
});
