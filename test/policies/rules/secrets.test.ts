/** Secrets controls (policies/src/rules/secrets): rotation, customer-managed keys. */
import { PolicyNames } from "../../../policies/src/names";
import { T } from "../fixtures";
import { mutationSuite, type Mutation } from "../helpers";

const m: Mutation[] = [
  { what: "secret without rotation", type: T.rotation, name: "api-key", change: (p) => (p.secretId = "arn:other"), expect: [PolicyNames.secretRotation], on: [T.secret, "api-key"] },
  { what: "rotation every 120 days", type: T.rotation, name: "api-key", change: (p) => (p.rotationRules = { automaticallyAfterDays: 120 }), expect: [PolicyNames.secretRotation], on: [T.secret, "api-key"] },
];

mutationSuite(m);
