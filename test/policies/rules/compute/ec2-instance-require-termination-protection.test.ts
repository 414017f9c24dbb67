/**
 * ec2-instance-require-termination-protection: an instance with disableApiTermination false blocks unless it carries
 * this control's waiver tag (what Bulwark's terminationProtection switch writes when turned off with a waiver);
 * unset (AWS's default) is advisory.
 */
import { evaluate, evaluateResource, UNKNOWN } from "../../../../policies/src/engine";
import { PolicyNames } from "../../../../policies/src/names";
import { waiverTags } from "../../../../policies/src/waiver";
import { asPreview, baseline, T, urnOf } from "../../fixtures";
import { changedBaseline, find, findingsOf, mandatory, MODES, TODAY } from "../../helpers";

const P = PolicyNames.instanceTerminationProtection;
const waiver = (expires: string) =>
  waiverTags([{ policy: P, reason: "scratch server rebuilt nightly", approver: "security@example.com", expires }]);
const mine = findingsOf(P);

describe.each(MODES)("%s", (_mode, shape) => {
  const run = changedBaseline(shape);

  it("the baseline (protected instance, and one inheriting it from its launch template) passes", () => {
    expect(mine(run(() => undefined))).toEqual([]);
  });

  it("disableApiTermination false (protection turned off) blocks", () => {
    const fs = run((s) => (find(s, T.instance, "web-1").props.disableApiTermination = false));
    expect(mandatory(mine(fs)).map((f) => f.urn)).toEqual([urnOf(T.instance, "web-1")]);
    expect(mine(fs)[0].message).toMatch(/is false: one API call can terminate/);
  });

  it("left unset (AWS's default) it is advisory, and a configured mandatory level does not make it block", () => {
    const s = baseline();
    delete find(s, T.instance, "web-1").props.disableApiTermination;
    for (const levels of [undefined, { [P]: "mandatory" as const }]) {
      const fs = mine(evaluate(shape(s), undefined, { today: TODAY, levels }));
      expect(fs.map((f) => [f.urn, f.enforcement, f.unknown])).toEqual([
        [urnOf(T.instance, "web-1"), "advisory", undefined],
      ]);
      expect(fs[0].message).toMatch(/not set \(AWS default: off\)/);
    }
  });

  it("an instance inherits false from its launch template", () => {
    const fs = run((s) => (find(s, T.lt, "web").props.disableApiTermination = false));
    expect(mandatory(mine(fs)).map((f) => [f.urn, /launch template/.test(f.message)])).toEqual([
      [urnOf(T.instance, "web-2"), true],
    ]);
  });

  it("the switch's waiver tag turns it advisory, naming who waived it; an expired one blocks", () => {
    const valid = run((s) => {
      const i = find(s, T.instance, "web-1");
      i.props.disableApiTermination = false;
      i.props.tags = { Name: "web-1", ...waiver("2027-03-01") };
    });
    expect(mandatory(valid)).toEqual([]);
    expect(mine(valid)).toEqual([
      expect.objectContaining({ enforcement: "advisory", waived: expect.objectContaining({ expires: "2027-03-01" }) }),
    ]);
    const expired = run((s) => {
      const i = find(s, T.instance, "web-1");
      i.props.disableApiTermination = false;
      i.props.tags = waiver("2026-11-01");
    });
    expect(
      mandatory(expired)
        .map((f) => f.policy)
        .sort(),
    ).toEqual([P, PolicyNames.waiverValid].sort());
  });

  it("no tag exempts an instance: explicit false blocks whatever its environment tag says", () => {
    for (const env of ["dev", "staging", "prod"]) {
      const fs = run((s) => {
        const i = find(s, T.instance, "web-1");
        i.props.disableApiTermination = false;
        i.props.tags = { "bulwark:environment": env };
      });
      expect(mandatory(mine(fs))).toHaveLength(1);
    }
  });
});

describe("at Analyze (one resource) and with unknown values", () => {
  it("an instance's own flag is decided at Analyze; an inherited one is deferred to the stack", () => {
    const s = baseline();
    const web1 = find(s, T.instance, "web-1");
    web1.props.disableApiTermination = false;
    const own = evaluateResource(P, web1, undefined, { today: TODAY });
    expect([own.deferred, own.findings.map((f) => f.enforcement)]).toEqual([false, ["mandatory"]]);
    expect(evaluateResource(P, find(s, T.instance, "web-2")).deferred).toBe(true);
  });
  it("an unknown flag is advisory in preview, never a block", () => {
    const s = baseline();
    find(s, T.instance, "web-1").props.disableApiTermination = UNKNOWN;
    const fs = mine(evaluate(asPreview(s)));
    expect(fs.map((f) => [f.enforcement, f.unknown])).toEqual([["advisory", true]]);
  });
});

describe("rds-database-require-deletion-protection sees the same kind of waiver", () => {
  const R = PolicyNames.rdsDeletionProtection;
  it.each(MODES)("deletionProtection false blocks unless the database carries the waiver tag (%s)", (_m, shape) => {
    const off = baseline();
    find(off, T.db, "app").props.deletionProtection = false;
    expect(mandatory(evaluate(shape(off), undefined, { today: TODAY })).map((f) => f.policy)).toEqual([R]);
    const db = find(off, T.db, "app");
    db.props.tags = waiverTags([
      {
        policy: R,
        reason: "database recreated by the nightly test",
        approver: "dba@example.com",
        expires: "2027-01-31",
      },
    ]);
    const fs = evaluate(shape(off), undefined, { today: TODAY });
    expect(mandatory(fs)).toEqual([]);
    expect(fs.find((f) => f.policy === R)?.waived?.approver).toBe("dba@example.com");
  });
});
