/** The pack's layout: one rule per file at rules/<family>/<policy-name>.ts, every name from the registry, every family
 * tested. */
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/src/engine";
import { PolicyNames } from "../../policies/src/names";

const RULES = path.resolve(__dirname, "../../policies/src/rules");
const TESTS = path.resolve(__dirname, "rules");

describe("layout", () => {
  const files = fs
    .readdirSync(RULES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => fs.readdirSync(path.join(RULES, d.name)).map((f) => `${d.name}/${f}`));
  it("each registered control lives in rules/<family>/<name>.ts, and each rule file is registered", () => {
    expect(files.sort()).toEqual(policies.map((p) => `${p.family}/${p.name}.ts`).sort());
  });
  it("the name registry is complete: every control's name is in it, and every name is a control", () => {
    expect(Object.values(PolicyNames).sort()).toEqual(policies.map((p) => p.name).sort());
  });
  it("each rule file takes its name from the registry (no string literal names)", () => {
    for (const f of files) expect(fs.readFileSync(path.join(RULES, f), "utf8")).toMatch(/\bname: PolicyNames\.\w+,/);
  });
  it("each family has its test file under test/policies/rules", () => {
    for (const fam of new Set(policies.map((p) => p.family)))
      expect(fs.existsSync(path.join(TESTS, `${fam}.test.ts`))).toBe(true);
  });
});
