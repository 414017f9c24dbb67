/**
 * Every hardening value Bulwark's components use, named once, with the control it satisfies beside it
 * (FSBP = AWS Foundational Security Best Practices in Security Hub; CIS = CIS AWS Foundations Benchmark v1.4/3.0).
 * Components and tests import these names instead of repeating literals.
 */

/** Remote-administration ports that are never reachable from the internet (FSBP EC2.13/EC2.14, CIS 5.2/5.3). */
export const ADMIN_PORTS: readonly number[] = [22, 3389];

/** Ports the internet may reach by default (web roles only). Anything else from the internet needs a waiver. */
export const DEFAULT_AUTHORIZED_WEB_PORTS: readonly number[] = [80, 443];

/** IMDSv2 only, hop limit 1: containers and forwarded requests cannot reach instance credentials (FSBP EC2.8). */
export const IMDS = { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" } as const;

/** Root volume: encrypted gp3 (FSBP EC2.3, EC2.7). */
export const ROOT_VOLUME = { volumeType: "gp3", encrypted: true, deleteOnTermination: true } as const;

/** Managed policies that are all an instance needs to be managed by SSM and ship metrics/logs (FSBP SSM.1). */
export const INSTANCE_MANAGED_POLICIES = {
  ssmCore: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  cloudWatchAgent: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
} as const;

/** Interface endpoints that let SSM manage instances with no inbound path and no internet route (FSBP EC2.10). */
export const SSM_INTERFACE_ENDPOINTS: readonly string[] = ["ssm", "ssmmessages", "ec2messages", "logs"];

/** Default egress of a firewall: HTTPS out only (SSM endpoints, S3 gateway, package mirrors via NAT). */
export const DEFAULT_EGRESS_PORTS: readonly number[] = [443];

/** CloudWatch Logs retention values the API accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Flow logs capture ALL traffic (FSBP EC2.6, CIS 3.9). */
export const FLOW_LOG_TRAFFIC = "ALL";

/** Tag keys components write. */
export const TAGS = {
  managedBy: "bulwark:managed-by",
  role: "bulwark:role",
  site: "bulwark:site",
  environment: "bulwark:environment",
  patchGroup: "Patch Group",
  component: "bulwark:component",
} as const;

/**
 * CIS CloudWatch metric filters (CIS AWS Foundations 4.x / FSBP CloudWatch.x), each raising an alarm to the
 * security topic. Patterns are the benchmark's own.
 */
export const CIS_METRIC_FILTERS: readonly { id: string; control: string; name: string; pattern: string }[] = [
  {
    id: "root-usage",
    control: "CIS 4.3 / CloudWatch.1",
    name: "RootAccountUsage",
    pattern:
      '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
  },
  {
    id: "unauthorized-api-calls",
    control: "CIS 4.1 / CloudWatch.2",
    name: "UnauthorizedApiCalls",
    pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
  },
  {
    id: "console-login-no-mfa",
    control: "CIS 4.2 / CloudWatch.3",
    name: "ConsoleSigninWithoutMfa",
    pattern:
      '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type ' +
      '= "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
  },
  {
    id: "iam-policy-changes",
    control: "CIS 4.4 / CloudWatch.4",
    name: "IamPolicyChanges",
    pattern:
      "{ ($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || ($.eventName=DeleteUserPolicy) " +
      "|| ($.eventName=PutGroupPolicy) || ($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || " +
      "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || ($.eventName=CreatePolicyVersion) || " +
      "($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) || ($.eventName=DetachRolePolicy) " +
      "|| ($.eventName=AttachUserPolicy) || ($.eventName=DetachUserPolicy) || " +
      "($.eventName=AttachGroupPolicy) || ($.eventName=DetachGroupPolicy) }",
  },
  {
    id: "security-group-changes",
    control: "CIS 4.10 / CloudWatch.10",
    name: "SecurityGroupChanges",
    pattern:
      "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || " +
      "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || " +
      "($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
  },
  {
    id: "nacl-changes",
    control: "CIS 4.11 / CloudWatch.11",
    name: "NetworkAclChanges",
    pattern:
      "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = " +
      "DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) " +
      "|| ($.eventName = ReplaceNetworkAclAssociation) }",
  },
];

/** GuardDuty severities >= 7 are HIGH (and CRITICAL from 9). Inspector labels them. */
export const HIGH_FINDING_EVENT_PATTERNS = {
  guardDuty: {
    source: ["aws.guardduty"],
    "detail-type": ["GuardDuty Finding"],
    detail: { severity: [{ numeric: [">=", 7] }] },
  },
  inspector: {
    source: ["aws.inspector2"],
    "detail-type": ["Inspector2 Finding"],
    detail: { severity: ["HIGH", "CRITICAL"] },
  },
} as const;

/** Security Hub standard enabled by the baseline. */
export const FSBP_STANDARD = "aws-foundational-security-best-practices/v/1.0.0";
