/**
 * Every control's name, in one registry: each rule file takes its name from here, and Bulwark's components write
 * waiver tags under these names. Format: `<service>-<resource>-<verb>-…`. Renaming one breaks old waivers.
 */
export const PolicyNames = {
  // network
  sgInternetAdminIngress: "ec2-security-group-disallow-internet-admin-ingress",
  sgInternetIngress: "ec2-security-group-disallow-internet-unauthorized-ingress",
  sgUnrestrictedEgress: "ec2-security-group-disallow-unrestricted-egress",
  sgRuleDescriptions: "ec2-security-group-require-rule-descriptions",
  naclInternetAdminIngress: "ec2-network-acl-disallow-internet-admin-ingress",
  subnetPublicIpOnLaunch: "ec2-subnet-disallow-public-ip-on-launch",
  vpcFlowLogs: "ec2-vpc-require-flow-logs",
  vpcRestrictedDefaultSg: "ec2-vpc-require-restricted-default-security-group",
  sgLateralAdminIngress: "ec2-security-group-disallow-lateral-admin-ingress",
  // compute
  instancePublicIp: "ec2-instance-disallow-public-ip",
  launchTemplatePublicIp: "ec2-launch-template-disallow-public-ip",
  launchConfigurationPublicIp: "ec2-launch-configuration-disallow-public-ip",
  instanceImdsv2: "ec2-instance-require-imdsv2",
  instanceEncryptedVolumes: "ec2-instance-require-encrypted-volumes",
  ebsEncryptionByDefault: "ec2-ebs-encryption-by-default-require-enabled",
  instanceSsmManaged: "ec2-instance-require-ssm-managed",
  instanceUserDataSecrets: "ec2-instance-disallow-secrets-in-user-data",
  instanceSshPasswordAuth: "ec2-instance-disallow-ssh-password-auth",
  instanceKeyPair: "ec2-instance-disallow-key-pair",
  instanceDetailedMonitoring: "ec2-instance-require-detailed-monitoring",
  instanceTerminationProtection: "ec2-instance-require-termination-protection",
  ssmSessionLogging: "ssm-document-require-encrypted-session-logging",
  // iam
  iamAdminAccess: "iam-principal-disallow-admin-access",
  iamPowerUserAccess: "iam-principal-disallow-power-user-access",
  // database
  rdsPublic: "rds-instance-disallow-public-access",
  rdsStorageEncryption: "rds-database-require-storage-encryption",
  rdsIamAuth: "rds-instance-require-iam-auth",
  rdsManagedPassword: "rds-instance-require-managed-master-password",
  rdsTls: "rds-database-require-tls",
  rdsDeletionProtection: "rds-database-require-deletion-protection",
  rdsBackupRetention: "rds-database-require-backup-retention",
  rdsLogExports: "rds-database-require-log-exports",
  rdsMinorUpgrades: "rds-database-disallow-disabled-minor-upgrades",
  rdsMultiAz: "rds-instance-require-multi-az",
  rdsPerformanceInsights: "rds-database-require-performance-insights",
  rdsEnhancedMonitoring: "rds-database-require-enhanced-monitoring",
  // secrets
  kmsCustomerManagedKey: "kms-encryption-require-customer-managed-key",
  secretRotation: "secretsmanager-secret-require-rotation",
  // detection
  guardDutyEnabled: "guardduty-detector-require-enabled",
  cloudTrailSecure: "cloudtrail-trail-require-secure-configuration",
  // governance
  stackSecurityBaseline: "bulwark-stack-require-security-baseline",
  waiverValid: "bulwark-waiver-disallow-expired-or-incomplete",
} as const;

export type PolicyName = (typeof PolicyNames)[keyof typeof PolicyNames];

/**
 * The pack's one per-resource policy: it runs every control on a resource (Analyze) and reports under each
 * control's name.
 */
export const RESOURCE_POLICY = "bulwark-resource-evaluate-controls";

/** The pack's one stack policy: it runs every control over the whole stack and reports under each control's name. */
export const STACK_POLICY = "bulwark-stack-evaluate-cross-resource-controls";

/** The control each component switch's waiver is written under (the switch's `{enabled: false, waiver}`). */
export const SwitchWaiverNames = {
  terminationProtection: PolicyNames.instanceTerminationProtection,
  detailedMonitoring: PolicyNames.instanceDetailedMonitoring,
  customerManagedKey: PolicyNames.kmsCustomerManagedKey,
  baseline: PolicyNames.stackSecurityBaseline,
} as const;
