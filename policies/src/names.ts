/**
 * Policy names that Bulwark's components refer to when they write a waiver tag.
 * Format: `<service>-<resource>-<verb>-…`. The policy pack owns these names; renaming one breaks old waivers.
 */
export const PolicyNames = {
  sgInternetAdminIngress: "ec2-security-group-disallow-internet-admin-ingress",
  sgInternetIngress: "ec2-security-group-disallow-internet-unauthorized-ingress",
  sgLateralAdminIngress: "ec2-security-group-disallow-lateral-admin-ingress",
  naclInternetAdminIngress: "ec2-network-acl-disallow-internet-admin-ingress",
  sgUnrestrictedEgress: "ec2-security-group-disallow-unrestricted-egress",
  instancePublicIp: "ec2-instance-disallow-public-ip",
  instanceImdsv2: "ec2-instance-require-imdsv2",
  instanceEncryptedVolumes: "ec2-instance-require-encrypted-volumes",
  instanceSsmManaged: "ec2-instance-require-ssm-managed",
  instanceKeyPair: "ec2-instance-disallow-key-pair",
  instanceUserDataSecrets: "ec2-instance-disallow-secrets-in-user-data",
  rdsPublic: "rds-instance-disallow-public-access",
  rdsIamAuth: "rds-instance-require-iam-auth",
  rdsManagedPassword: "rds-instance-require-managed-master-password",
  secretRotation: "secretsmanager-secret-require-rotation",
  rdsTls: "rds-database-require-tls",
  stackSecurityBaseline: "bulwark-stack-require-security-baseline",
} as const;

export type PolicyName = (typeof PolicyNames)[keyof typeof PolicyNames];
