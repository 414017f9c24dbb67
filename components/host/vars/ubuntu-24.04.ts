import { DEBIAN_FAMILY, UBUNTU_SECURITY_ORIGIN } from "./debian-family";
import type { OsProfile } from "./os-profile";

export const UBUNTU_2404: OsProfile = {
  ...DEBIAN_FAMILY,
  osRelease: "ubuntu-24.04",
  securityOrigin: UBUNTU_SECURITY_ORIGIN,
  cloudwatchDebDistro: "ubuntu",
  requiredRsaSize: true,
  // The release pocket's fail2ban 1.0.2-3 crashes on Python 3.12 (no asynchat); noble-updates fixes it.
  minVersions: ["fail2ban:1.0.2-3ubuntu0.1"],
};
