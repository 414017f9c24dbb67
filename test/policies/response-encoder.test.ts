/**
 * The pack's response encoder (policies/src/response-encoder.ts) must write exactly google-protobuf's bytes, and
 * decline (undefined: the SDK's serialiser runs) on what it was not written for.
 */
import * as path from "path";
import { encodeAnalyzeResponse } from "../../policies/src/response-encoder";

// The message classes the policy SDK builds its responses with.
const pb = require(
  require.resolve("@pulumi/pulumi/proto/analyzer_pb", {
    paths: [path.join(__dirname, "..", "..", "policies", "node_modules", "@pulumi", "policy")],
  }),
);

function diagnostic(fields: Partial<Record<string, string | number>>) {
  const d = new pb.AnalyzeDiagnostic();
  for (const [k, v] of Object.entries(fields)) d[`set${k}`](v);
  return d;
}

function response(diags: unknown[], notApplicable: [string, string][] = []) {
  const r = new pb.AnalyzeResponse();
  r.setDiagnosticsList(diags);
  r.setNotApplicableList(
    notApplicable.map(([name, reason]) => {
      const n = new pb.PolicyNotApplicable();
      n.setPolicyName(name);
      n.setReason(reason);
      return n;
    }),
  );
  return r;
}

const full = {
  Policyname: "ec2-security-group-disallow-internet-admin-ingress",
  Policypackname: "bulwark",
  Policypackversion: "0.1.0",
  Description: "Remote-admin ports (SSH 22, RDP 3389) must not be reachable from 0.0.0.0/0 — é ✓",
  Message: "web-sg allows tcp 22 from 0.0.0.0/0 ".repeat(40),
  Enforcementlevel: 1,
  Urn: "urn:pulumi:prod::bulwark::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::web-ssh",
  Severity: 4,
};

test.each([
  ["no findings", response([])],
  ["one finding with every field, multi-byte text and a long message", response([diagnostic(full)])],
  ["empty strings and zero enums are left out", response([diagnostic({ Message: "m" }), diagnostic({})])],
  ["not-applicable entries", response([diagnostic(full)], [["p", "only for aws:s3/bucket:Bucket"]])],
  [
    "3,000 findings (lengths past one- and two-byte varints)",
    response(Array.from({ length: 3000 }, (_, i) => diagnostic({ ...full, Urn: `${full.Urn}-${i}` }))),
  ],
])("%s: the same bytes as google-protobuf", (_name, r) => {
  const ours = encodeAnalyzeResponse(r);
  expect(ours).toBeDefined();
  expect(Buffer.compare(ours!, Buffer.from(r.serializeBinary()))).toBe(0);
});

test("a surrogate pair (an emoji) is declined: the SDK's serialiser writes it", () => {
  expect(encodeAnalyzeResponse(response([diagnostic({ ...full, Message: "blocked 🔒" })]))).toBeUndefined();
});
