/**
 * Every resource-type set the controls use, defined once. Security-group and ACL types live with their
 * normalisers in ./net and are re-exported here.
 */
import { SG_TYPES } from "./net";

export { SG_TYPES, NACL_TYPES } from "./net";

export const COMPUTE_TYPES = {
  instance: "aws:ec2/instance:Instance",
  /** Same inputs as an instance (it launches one). */
  spot: "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  launchConfiguration: "aws:ec2/launchConfiguration:LaunchConfiguration",
  volume: "aws:ebs/volume:Volume",
  ebsDefault: "aws:ebs/encryptionByDefault:EncryptionByDefault",
  subnet: "aws:ec2/subnet:Subnet",
  defaultSubnet: "aws:ec2/defaultSubnet:DefaultSubnet",
  profile: "aws:iam/instanceProfile:InstanceProfile",
  role: "aws:iam/role:Role",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  asg: "aws:autoscaling/group:Group",
} as const;

/** Resources that launch one instance from their own inputs. */
export const INSTANCE_TYPES: readonly string[] = [COMPUTE_TYPES.instance, COMPUTE_TYPES.spot];
/** Everything that defines a server: instances and the templates/configurations instances launch from. */
export const SERVER_TYPES: readonly string[] = [
  ...INSTANCE_TYPES,
  COMPUTE_TYPES.launchTemplate,
  COMPUTE_TYPES.launchConfiguration,
];
/** Servers plus the Auto Scaling groups that launch them (what "the stack runs servers" means). */
export const SERVER_FLEET_TYPES: readonly string[] = [...SERVER_TYPES, COMPUTE_TYPES.asg];
export const SUBNET_TYPES: readonly string[] = [COMPUTE_TYPES.subnet, COMPUTE_TYPES.defaultSubnet];

export const IAM_TYPES = {
  role: "aws:iam/role:Role",
  policy: "aws:iam/policy:Policy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  userPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  groupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  rolePolicyAttachmentsExclusive: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  userPolicyAttachmentsExclusive: "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
  groupPolicyAttachmentsExclusive: "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
} as const;

export const RDS_TYPES = {
  instance: "aws:rds/instance:Instance",
  cluster: "aws:rds/cluster:Cluster",
  clusterInstance: "aws:rds/clusterInstance:ClusterInstance",
  pg: "aws:rds/parameterGroup:ParameterGroup",
  cpg: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  secret: "aws:secretsmanager/secret:Secret",
  rotation: "aws:secretsmanager/secretRotation:SecretRotation",
} as const;
/** Databases that own storage, passwords and parameter groups. */
export const DB_TYPES: readonly string[] = [RDS_TYPES.instance, RDS_TYPES.cluster];

export const VPC_TYPES: readonly string[] = ["aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc"];
export const GROUP_TYPES: readonly string[] = [SG_TYPES.group, SG_TYPES.defaultGroup];
/** Every resource that can carry a security-group rule (inline or standalone). */
export const SG_RULE_TYPES: readonly string[] = [
  SG_TYPES.group,
  SG_TYPES.defaultGroup,
  SG_TYPES.rule,
  SG_TYPES.ingress,
  SG_TYPES.egress,
];
export const PREFIX_LIST_TYPES: readonly string[] = ["aws:ec2/managedPrefixList:ManagedPrefixList"];
export const PREFIX_LIST_ENTRY_TYPE = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry";

export const SECURITY_BASELINE_TYPE = "bulwark:security:SecurityBaseline";
