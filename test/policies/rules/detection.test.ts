/** Detection controls (policies/src/rules/detection): GuardDuty, CloudTrail. */
import { T } from "../fixtures";
import { mutationSuite, type Mutation } from "../helpers";

const m: Mutation[] = [
  {
    what: "GuardDuty off",
    type: T.detector,
    name: "main",
    change: (p) => (p.enable = false),
    expect: ["guardduty-detector-require-enabled"],
  },
  {
    what: "single-region trail",
    type: T.trail,
    name: "main",
    change: (p) => (p.isMultiRegionTrail = false),
    expect: ["cloudtrail-trail-require-secure-configuration"],
  },
  {
    what: "trail without KMS",
    type: T.trail,
    name: "main",
    change: (p) => delete p.kmsKeyId,
    expect: ["cloudtrail-trail-require-secure-configuration"],
  },
];

mutationSuite(m);
