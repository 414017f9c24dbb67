/** Jest runs TypeScript through @swc/jest (no type-checking: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  testTimeout: 30000,
  maxWorkers: 2,
  globalSetup: "<rootDir>/test/setup/tmp-setup.js",
  globalTeardown: "<rootDir>/test/setup/tmp-teardown.js",
};
