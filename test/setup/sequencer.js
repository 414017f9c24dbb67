/**
 * Longest suites first, so neither worker idles at the end of a run while the other still boots hosts. A fresh
 * clone (CI) has no jest timing cache: the slow suites are named here with measured seconds; every other suite
 * goes by its cached duration, then by file size (jest's default).
 */
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

// Seconds, measured on 2 cores (test/README-timing in docs/testing.md); only the order matters.
const SLOW = {
  "test/host/e2e.test.ts": 420,
  "test/host/cloudinit.e2e.test.ts": 360,
  "test/host/live.e2e.test.ts": 330,
  "test/host/leftovers-db.e2e.test.ts": 315,
  "test/host/render.test.ts": 280,
  "test/host/stack.test.ts": 190,
  "test/fleet/real.test.ts": 130,
  "test/fleet/sim.test.ts": 80,
  "test/host/leftovers.e2e.test.ts": 70,
  "test/mysql/mariadb.test.ts": 60,
  "test/host/mta.e2e.test.ts": 50,
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
