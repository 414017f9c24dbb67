/** Jest runs TypeScript through @swc/jest (no type-checking: `npm run typecheck` does that). */

/**
 * The suites that boot hosts (systemd-nspawn) or start MariaDB/sshd fleets: root, minutes. `npm run test:unit`
 * (BULWARK_TESTS=unit) runs everything else.
 */
const HOST_SUITES = [
  "/test/host/([^/]+\\.)?e2e\\.test\\.ts$",
  "/test/fleet/(real|sim)\\.test\\.ts$",
  "/test/mysql/(mariadb|leftover-accounts)\\.test\\.ts$",
];

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", ...(process.env.BULWARK_TESTS === "unit" ? HOST_SUITES : [])],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  // The Pulumi SDK's closure-serialisation libraries load on first use, as in the CLI (cli/lazy-sdk.js): ~0.4 s of
  // CPU saved in every suite that loads the SDK.
  moduleNameMapper: {
    "(^|/)typescript-shim$": "<rootDir>/test/setup/lazy-typescript-shim.js",
    "^@npmcli/arborist$": "<rootDir>/test/setup/lazy-arborist.js",
  },
  testTimeout: 30000,
  maxWorkers: 2,
  testSequencer: "<rootDir>/test/setup/sequencer.js",
  reporters: ["default", "<rootDir>/test/setup/skip-reporter.js"],
  runtime: "<rootDir>/test/setup/runtime.js",
  setupFilesAfterEnv: ["<rootDir>/test/setup/release-async-storage.js"],
  globalSetup: "<rootDir>/test/setup/tmp-setup.js",
  globalTeardown: "<rootDir>/test/setup/tmp-teardown.js",
};
