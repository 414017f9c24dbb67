import { DEBIAN_FAMILY, UBUNTU_SECURITY_ORIGIN } from "./debian-family";
import type { OsProfile } from "./os-profile";

export const UBUNTU_2204: OsProfile = {
  ...DEBIAN_FAMILY,
  osRelease: "ubuntu-22.04",
  securityOrigin: UBUNTU_SECURITY_ORIGIN,
  cloudwatchDebDistro: "ubuntu",
};
