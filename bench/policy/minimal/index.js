// Baseline pack: what @pulumi/policy itself costs. Plain JS, like the built Bulwark pack.
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("bench-minimal", {
  enforcementLevel: "mandatory",
  policies: [
    {
      name: "minimal-resource-check",
      description: "Trivial resource policy: reads one property.",
      validateResource: (args, report) => {
        if (args.props.minimalFlag === "bad") report("minimalFlag is bad");
      },
    },
    {
      name: "minimal-stack-check",
      description: "Trivial stack policy: visits every resource once.",
      validateStack: (args, report) => {
        let n = 0;
        for (const r of args.resources) if (r.type === "minimal:bad") n++;
        if (n) report(`${n} bad resources`);
      },
    },
  ],
});
