/**
 * Longest suites first, so neither worker idles at the end of a run while the other still boots hosts. A fresh
 * clone (CI) has no jest timing cache: the slow suites are named here with measured seconds; every other suite
 * goes by its cached duration, then by file size (jest's default).
 */
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

// Seconds, measured on the shared 2-core machine (docs/testing.md); only the order matters. The non-host suites'
// figures are from a unit run under load (the spawned `bulwark plan`s dominate them).
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
  "test/exposure/bastion-plan.test.ts": 60,
  "test/host/render-shellcheck.test.ts": 50,
  "test/host/render.test.ts": 10,
  "test/pipelines/secrets-scan.test.ts": 40,
  "test/pipelines/plan-verdict.test.ts": 30,
  "test/components/plan.test.ts": 26,
  "test/pipelines/cli.test.ts": 20,
  "test/policies/estate.test.ts": 18,
  "test/exposure/consistency.test.ts": 16,
  "test/mysql/estate.test.ts": 14,
  "test/policies/rules/compute/switch-waivers.e2e.test.ts": 12,
  "test/pipelines/schedule-and-size.test.ts": 11,
  "test/pipelines/cli-consistency.test.ts": 10,
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
