// Lint: typescript-eslint's recommended rules (no type information: fast enough for every `npm test`), with
// formatting left to prettier (.prettierrc.json, width 120).
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const prettier = require("eslint-config-prettier");

module.exports = tseslint.config(
  {
    ignores: [
      "node_modules/",
      "policies/node_modules/",
      "policies/bin/",
      "dist/",
      "bench/policy/*/",
      "coverage/",
      "test-output/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        __dirname: "readonly",
        console: "readonly",
        setImmediate: "readonly",
        Buffer: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/no-require-imports": "off",
      // Stripping control characters from text that reaches nft, SQL or a terminal is the point of those regexes.
      "no-control-regex": "off",
      "max-len": ["error", { code: 120, ignoreUrls: true }],
    },
  },
  // Tests mutate configs freely; `any` stays out of the shipped code's APIs.
  {
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off", "@typescript-eslint/no-explicit-any": "off" },
  },
);
