/** Shared test harness: records every resource the code under test registers, through the plan runner's recorder. */
import * as pulumi from "@pulumi/pulumi";
import { leanRuntime, type PlannedResource, startRecording } from "../../cli/plan-runner";
import type { Waiver } from "../../policies/src/waiver";

export interface Recorded {
  resources: PlannedResource[];
  /** Custom resources of one type. */
  ofType(type: string): PlannedResource[];
  /** The one custom resource of a type (and name, when given); fails the test otherwise. */
  one(type: string, name?: string): PlannedResource;
}

/**
 * Runs `build` under mocks (stack `prod` unless given) and returns what was registered. The SDK runs lean, as
 * `bulwark plan` runs it (leanRuntime): no per-promise and per-resource stacks, which jest's source-mapped traces
 * made the bulk of a test's time.
 */
export async function record<T>(
  build: () => T,
  opts: { stack?: string; preview?: boolean } = {},
): Promise<Recorded & { value: T }> {
  const rec = await startRecording({ stack: opts.stack ?? "prod", preview: opts.preview });
  const restore = leanRuntime();
  try {
    const value = build();
    const resources = await rec.finish();
    return { value, ...wrap(resources) };
  } finally {
    restore();
  }
}

export function wrap(resources: PlannedResource[]): Recorded {
  const ofType = (type: string) => resources.filter((r) => r.type === type && r.custom);
  return {
    resources,
    ofType,
    one(type: string, name?: string) {
      const found = ofType(type).filter((r) => name === undefined || r.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one ${type}${name ? ` named ${name}` : ""}, ` +
            `found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
        );
      }
      return found[0];
    },
  };
}

/** Resolves an Output's value and secretness (values are known under mocks with preview=false). */
export function settle<T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  return new Promise((resolve) => {
    pulumi.all([o, pulumi.isSecret(o)]).apply(([value]) => {
      void pulumi.isSecret(o).then((secret) => resolve({ value: value as T, secret }));
    });
  });
}

export const T = {
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  instance: "aws:ec2/instance:Instance",
  nacl: "aws:ec2/networkAcl:NetworkAcl",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  flowLog: "aws:ec2/flowLog:FlowLog",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  nat: "aws:ec2/natGateway:NatGateway",
  igw: "aws:ec2/internetGateway:InternetGateway",
  route: "aws:ec2/route:Route",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  document: "aws:ssm/document:Document",
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
} as const;

export const waiver = (policy: string, expires = "2099-12-31"): Waiver => ({
  policy,
  reason: "Partner integration needs it until migration",
  approver: "ciso@example.com",
  expires,
});
