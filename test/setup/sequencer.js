/**
 * Longest suites first, so neither worker idles at the end of a run while the other still boots hosts. A fresh
 * clone (CI) has no jest timing cache: the slow suites are named here with measured seconds; every other suite
 * goes by its cached duration, then by file size (jest's default).
 */
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

// Seconds, measured on the shared 2-core machine (docs/testing.md); only the order matters. The non-host suites'
// figures are from a unit run (`BULWARK_TESTS=unit`), each suite's wall time beside the other worker.
const SLOW = {
  "test/host/live.e2e.test.ts": 245,
  "test/host/e2e.test.ts": 240,
  "test/host/leftovers-db.e2e.test.ts": 200,
  "test/host/cloudinit.e2e.test.ts": 140,
  "test/fleet/real.test.ts": 100,
  "test/fleet/sim.test.ts": 88,
  "test/host/leftovers.e2e.test.ts": 115,
  "test/host/mta.e2e.test.ts": 50,
  "test/mysql/leftover-accounts.test.ts": 35,
  "test/mysql/mariadb.test.ts": 30,
  "test/host/render-shellcheck.test.ts": 6,
  "test/exposure/bastion-plan.test.ts": 5,
  "test/components/plan.test.ts": 5, // plans the shared prod plan before the suites that read it
  "test/examples.test.ts": 4,
  "test/pipelines/plan-verdict.test.ts": 4,
  "test/pipelines/schedule-and-size.test.ts": 4,
  "test/policies/pack.e2e.test.ts": 4,
  "test/host/stack.test.ts": 3,
  "test/pipelines/secrets-scan.test.ts": 3,
  "test/fleet/html.test.ts": 2,
  "test/policies/rules/compute/switch-waivers.e2e.test.ts": 2,
  "test/policies/verdicts.e2e.test.ts": 2,
  // The other suites that read the shared prod plan (test/setup/prod-plan.ts) go by size, after components/plan
  // has planned it: one that started beside it would wait for it idle.
};

class SlowFirst extends Sequencer {
  sort(tests) {
    const root = path.resolve(__dirname, "../..");
    const weight = (t) => {
      const known = SLOW[path.relative(root, t.path)];
      if (known !== undefined) return known * 1000;
      return this.time(t) ?? 0;
    };
    const size = (t) => t.context.hasteFS.getSize(t.path) ?? 0;
    return [...tests].sort((a, b) => weight(b) - weight(a) || size(b) - size(a));
  }
}
module.exports = SlowFirst;
