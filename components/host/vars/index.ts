/** The OS profiles by HostOs: the one place a new OS is added. */
import type { HostOs } from "../model";
import { AMAZONLINUX_2023 } from "./amazonlinux-2023";
import { DEBIAN_12 } from "./debian-12";
import type { OsProfile } from "./os-profile";
import { UBUNTU_2204 } from "./ubuntu-22.04";
import { UBUNTU_2404 } from "./ubuntu-24.04";

export type { Family, OsProfile } from "./os-profile";

export const OS_PROFILES: Record<HostOs, OsProfile> = {
  "ubuntu-24.04": UBUNTU_2404,
  "ubuntu-22.04": UBUNTU_2204,
  "debian-12": DEBIAN_12,
  "amazonlinux-2023": AMAZONLINUX_2023,
};
