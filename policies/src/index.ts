import { PolicyPack } from "@pulumi/policy";
new PolicyPack("bulwark", { policies: [] });
