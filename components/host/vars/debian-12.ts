import { DEBIAN_FAMILY } from "./debian-family";
import type { OsProfile } from "./os-profile";

export const DEBIAN_12: OsProfile = {
  ...DEBIAN_FAMILY,
  osRelease: "debian-12",
  securityOrigin: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security",
  cloudwatchDebDistro: "debian",
  noSuricata: "Debian 12 main has no suricata package",
  requiredRsaSize: true,
};
