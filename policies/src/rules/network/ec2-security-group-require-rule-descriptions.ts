/** Every security group rule should say why it exists. */
import type { PolicyDef } from "../../framework";
import { at, rulesFor } from "../../lib/sg";
import { PolicyNames } from "../../names";
import { SG_RULE_TYPES } from "../../types";
import { str } from "../../values";

export const sgRuleDescriptions: PolicyDef = {
  name: PolicyNames.sgRuleDescriptions,
  description: "Every security group rule should say why it exists.",
  severity: "low",
  enforcement: "advisory",
  family: "network",
  securityHub: [],
  cis: [],
  remediation: "Give every rule a description naming who needs it and why.",
  unknowns: "An unknown description counts as present.",
  types: SG_RULE_TYPES,
  check(r, _ctx, emit) {
    for (const rule of rulesFor(r)) {
      const d = str(rule.description);
      if (d === undefined || d.trim() === "") emit.fail(`${rule.direction} rule${at(rule)} has no description`);
    }
  },
};
