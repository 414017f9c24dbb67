/**
 * The registry: every control, one file each under rules/<family>/<policy-name>.ts (metadata and pure check
 * together). Order is the order of the docs table and of findings.
 */
import type { PolicyDef } from "../framework";
import { sgInternetAdminIngress } from "./network/ec2-security-group-disallow-internet-admin-ingress";
import { sgInternetIngress } from "./network/ec2-security-group-disallow-internet-unauthorized-ingress";
import { sgUnrestrictedEgress } from "./network/ec2-security-group-disallow-unrestricted-egress";
import { sgRuleDescriptions } from "./network/ec2-security-group-require-rule-descriptions";
import { naclInternetAdminIngress } from "./network/ec2-network-acl-disallow-internet-admin-ingress";
import { subnetPublicIpOnLaunch } from "./network/ec2-subnet-disallow-public-ip-on-launch";
import { vpcFlowLogs } from "./network/ec2-vpc-require-flow-logs";
import { vpcRestrictedDefaultSg } from "./network/ec2-vpc-require-restricted-default-security-group";
import { policy as sgLateralAdminIngress } from "./network/ec2-security-group-disallow-lateral-admin-ingress";
import { instancePublicIp } from "./compute/ec2-instance-disallow-public-ip";
import { launchTemplatePublicIp } from "./compute/ec2-launch-template-disallow-public-ip";
import { launchConfigurationPublicIp } from "./compute/ec2-launch-configuration-disallow-public-ip";
import { instanceImdsv2 } from "./compute/ec2-instance-require-imdsv2";
import { ebsEncryptionByDefault } from "./compute/ec2-ebs-encryption-by-default-require-enabled";
import { instanceEncryptedVolumes } from "./compute/ec2-instance-require-encrypted-volumes";
import { instanceSsmManaged } from "./compute/ec2-instance-require-ssm-managed";
import { instanceUserDataSecrets } from "./compute/ec2-instance-disallow-secrets-in-user-data";
import { instanceSshPasswordAuth } from "./compute/ec2-instance-disallow-ssh-password-auth";
import { instanceKeyPair } from "./compute/ec2-instance-disallow-key-pair";
import { instanceDetailedMonitoring } from "./compute/ec2-instance-require-detailed-monitoring";
import { instanceTerminationProtection } from "./compute/ec2-instance-require-termination-protection";
import { iamAdminAccess } from "./iam/iam-principal-disallow-admin-access";
import { iamPowerUserAccess } from "./iam/iam-principal-disallow-power-user-access";
import { ssmSessionLogging } from "./compute/ssm-document-require-encrypted-session-logging";
import { rdsPublic } from "./database/rds-instance-disallow-public-access";
import { rdsStorageEncryption } from "./database/rds-database-require-storage-encryption";
import { rdsIamAuth } from "./database/rds-instance-require-iam-auth";
import { rdsManagedPassword } from "./database/rds-instance-require-managed-master-password";
import { rdsTls } from "./database/rds-database-require-tls";
import { rdsDeletionProtection } from "./database/rds-database-require-deletion-protection";
import { rdsBackupRetention } from "./database/rds-database-require-backup-retention";
import { rdsLogExports } from "./database/rds-database-require-log-exports";
import { rdsMinorUpgrades } from "./database/rds-database-disallow-disabled-minor-upgrades";
import { rdsMultiAz } from "./database/rds-instance-require-multi-az";
import { rdsPerformanceInsights } from "./database/rds-database-require-performance-insights";
import { rdsEnhancedMonitoring } from "./database/rds-database-require-enhanced-monitoring";
import { kmsCustomerManagedKey } from "./secrets/kms-encryption-require-customer-managed-key";
import { secretRotation } from "./secrets/secretsmanager-secret-require-rotation";
import { guardDutyEnabled } from "./detection/guardduty-detector-require-enabled";
import { cloudTrailSecure } from "./detection/cloudtrail-trail-require-secure-configuration";
import { stackSecurityBaseline } from "./governance/bulwark-stack-require-security-baseline";
import { waiverValid } from "./governance/bulwark-waiver-disallow-expired-or-incomplete";

export const rules: readonly PolicyDef[] = [
  // network
  sgInternetAdminIngress,
  sgInternetIngress,
  sgUnrestrictedEgress,
  sgRuleDescriptions,
  naclInternetAdminIngress,
  subnetPublicIpOnLaunch,
  vpcFlowLogs,
  vpcRestrictedDefaultSg,
  sgLateralAdminIngress,
  // compute
  instancePublicIp,
  launchTemplatePublicIp,
  launchConfigurationPublicIp,
  instanceImdsv2,
  instanceEncryptedVolumes,
  ebsEncryptionByDefault,
  instanceSsmManaged,
  instanceUserDataSecrets,
  instanceSshPasswordAuth,
  instanceKeyPair,
  instanceDetailedMonitoring,
  instanceTerminationProtection,
  // iam
  iamAdminAccess,
  iamPowerUserAccess,
  // compute
  ssmSessionLogging,
  // database
  rdsPublic,
  rdsStorageEncryption,
  rdsIamAuth,
  rdsManagedPassword,
  rdsTls,
  rdsDeletionProtection,
  rdsBackupRetention,
  rdsLogExports,
  rdsMinorUpgrades,
  rdsMultiAz,
  rdsPerformanceInsights,
  rdsEnhancedMonitoring,
  // secrets
  kmsCustomerManagedKey,
  secretRotation,
  // detection
  guardDutyEnabled,
  cloudTrailSecure,
  // governance
  stackSecurityBaseline,
  waiverValid,
];
