/** The controls table is generated from the rules' metadata: a stale docs/policies.md or docs/pack.md block fails
 * here. */
import * as fs from "fs";
import * as path from "path";
import { controlsTable, DOC_PATHS, policiesDoc, readmeWithTable } from "../../policies/src/docs";
import { policies } from "../../policies/src/engine";

const ROOT = path.resolve(__dirname, "../..");
const FIX = "run `npm run docs` and commit the result";

describe("generated controls docs", () => {
  const p = DOC_PATHS(ROOT);
  it(`docs/policies.md is current (${FIX})`, () => {
    expect(fs.readFileSync(p.doc, "utf8")).toBe(policiesDoc());
  });
  it(`docs/pack.md's controls block is current (${FIX})`, () => {
    const readme = fs.readFileSync(p.readme, "utf8");
    expect(readme).toBe(readmeWithTable(readme));
  });
  it("has one row per control, and a changed description would make it stale", () => {
    const t = controlsTable();
    for (const x of policies) expect(t).toContain(`\`${x.name}\``);
    const changed = policies.map((x, i) => (i === 0 ? { ...x, unknowns: x.unknowns + " (changed)" } : x));
    expect(controlsTable(changed)).not.toBe(t);
    expect(() => readmeWithTable("no markers")).toThrow(/markers are missing/);
  });
});
