#!/usr/bin/env node
// Rewrites every README block marked `<!-- example: <file> -->` with that file, verbatim (test/examples.test.ts
// fails when they differ).
const fs = require("node:fs");
const path = require("node:path");
const root = path.join(__dirname, "..");
const readme = path.join(root, "README.md");
const text = fs
  .readFileSync(readme, "utf8")
  .replace(
    /(<!-- example: (\S+) -->\n```[a-z]*\n)[\s\S]*?(```)/g,
    (_, head, file, fence) => head + fs.readFileSync(path.join(root, file), "utf8") + fence,
  );
fs.writeFileSync(readme, text);
