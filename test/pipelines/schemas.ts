/** Validators for the report formats: the official SARIF 2.1.0 schema and Bulwark's documented JSON schema. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";

const ROOT = join(__dirname, "..", "..");

/** SARIF 2.1.0 (rtm.5, the OASIS release GitHub code scanning accepts), as shipped by @microsoft/jest-sarif. */
export const SARIF_SCHEMA_FILE = join(
  ROOT,
  "node_modules",
  "@microsoft",
  "jest-sarif",
  "lib",
  "schemas",
  "sarif-2.1.0-rtm.5.json",
);

export function sarifValidator() {
  // the schema's `language` pattern is not valid under the u flag;
  const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA_FILE, "utf8")));
}

export function reportValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(ROOT, "docs", "check-output.schema.json"), "utf8")));
}
