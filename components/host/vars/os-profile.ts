/**
 * What differs between the supported OSes, as data (like dev-sec's `vars/<os>.yml`): the renderers read a profile
 * and never branch on an OS name. A family file holds what its releases share; each `<os>.ts` adds its own.
 */
export type Family = "debian" | "amazon";

export interface OsProfile {
  family: Family;
  /** Key of FORBIDDEN_PACKAGES (host-controls.ts). */
  packageFormat: "deb" | "rpm";
  /** `ID-VERSION_ID` from /etc/os-release, checked by apply and verify. */
  osRelease: string;
  sshUnit: string;
  nftConf: string;
  aideBin: string;
  shadowMode: string;
  shadowGroup: string;
  sshKeyGroup: string;
  packages: readonly string[];
  /** Server package of the db role, by flavour. */
  mysqlServerPackage: Readonly<Record<"mysql" | "mariadb", string>>;
  /** Where sshd's authentication messages go (shipped to CloudWatch). */
  authLog: string;
  /** Timers that run the automatic updates. */
  updateTimers: readonly string[];
  /** unattended-upgrades origin of security updates (Debian family). */
  securityOrigin?: string;
  /** Path segment of the CloudWatch agent's .deb download (Debian family; AL2023 installs it with dnf). */
  cloudwatchDebDistro?: string;
  /** Why `ids.kind: suricata` is refused on this OS (its archive has no package); unset where it installs. */
  noSuricata?: string;
  /** OpenSSH >= 9.1: sshd_config gets RequiredRSASize. */
  requiredRsaSize?: boolean;
  /** package:version floors; older installed versions are upgraded (known-broken releases). */
  minVersions?: readonly string[];
  /** File that would let the system crypto policy override sshd_config's algorithms (emptied). */
  sshCryptoPolicyFile?: string;
}
