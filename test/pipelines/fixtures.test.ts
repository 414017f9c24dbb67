import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const FIX = join(ROOT, "test", "fixtures");

test("the committed fixtures are exactly what test/fixtures/generate.ts and generate-gates.ts write", () => {
  const out = mkdtempSync(join(tmpdir(), "bulwark-fixtures-"));
  // generate.ts, then the fail-closed and secrets-scan fixtures (generate-gates.ts).
  for (const gen of ["generate.ts", "generate-gates.ts"]) {
    const r = spawnSync(process.execPath, ["-r", "@swc-node/register", join(FIX, gen)], {
      cwd: ROOT,
      env: { ...process.env, FIXTURES_OUT: out },
      encoding: "utf8",
    });
    expect([gen, r.status]).toEqual([gen, 0]);
  }
  const generated = readdirSync(out).sort();
  expect(generated.length).toBeGreaterThanOrEqual(13);
  for (const f of generated)
    expect([f, readFileSync(join(out, f), "utf8") === readFileSync(join(FIX, f), "utf8")]).toEqual([f, true]);
  const committed = readdirSync(FIX)
    .filter((f) => /\.(json|ndjson)$/.test(f))
    .sort();
  expect(committed).toEqual(generated);
}, 60000);

test("fixtures keep the CLI's layout: 4-space pretty JSON for digests and exports, one event per line", () => {
  for (const f of readdirSync(FIX).filter((x) => x.endsWith(".json"))) {
    const text = readFileSync(join(FIX, f), "utf8");
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 4) + "\n");
  }
  for (const f of readdirSync(FIX).filter((x) => x.endsWith(".ndjson"))) {
    const lines = readFileSync(join(FIX, f), "utf8").trimEnd().split("\n");
    for (const l of lines) expect(Object.keys(JSON.parse(l)).slice(0, 2)).toEqual(["sequence", "timestamp"]);
    expect(JSON.parse(lines[lines.length - 1])).toHaveProperty("cancelEvent");
  }
});
