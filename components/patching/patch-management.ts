/**
 * PatchManagement: SSM patch baselines (security updates), a maintenance window that installs them, and an
 * AWS-RunPatchBaseline association that scans daily. Servers are targeted by their `Patch Group` tag.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { parseArgs } from "../config";
import { TAGS } from "../controls";
import { mergeTags, tagsField } from "../common";
import { ssmScheduleSchema as schedule } from "./ssm-schedule";

export const PATCH_OPERATING_SYSTEMS = ["UBUNTU", "DEBIAN", "AMAZON_LINUX_2023"] as const;
export type PatchOs = (typeof PATCH_OPERATING_SYSTEMS)[number];

const patchArgsSchema = z
  .object({
    patchGroup: z.string().min(1).max(256),
    operatingSystems: z.array(z.enum(PATCH_OPERATING_SYSTEMS)).min(1, "list the operating systems to patch"),
    approveAfterDays: z.number().int().min(0).max(100, "use 0 to 100 days").default(7),
    schedule: schedule.default("cron(0 3 ? * SUN *)"),
    scheduleTimezone: z.string().default("UTC"),
    durationHours: z.number().int().min(1).max(24).default(3),
    cutoffHours: z.number().int().min(0).max(23).default(1),
    scanSchedule: schedule.default("rate(1 day)"),
    tags: tagsField,
  })
  .strict()
  .refine((a) => a.cutoffHours < a.durationHours, {
    path: ["cutoffHours"],
    message: "make the cutoff shorter than durationHours",
  });

export type PatchManagementArgs = z.input<typeof patchArgsSchema>;

/**
 * Security-update approval rules per OS. Ubuntu and Debian baselines cannot delay approval (SSM rejects
 * ApproveAfterDays for them), so the delay there is the maintenance window's schedule.
 */
function approvalRule(os: PatchOs, days: number): aws.types.input.ssm.PatchBaselineApprovalRule {
  switch (os) {
    case "AMAZON_LINUX_2023":
      return {
        approveAfterDays: days,
        complianceLevel: "CRITICAL",
        patchFilters: [
          { key: "CLASSIFICATION", values: ["Security"] },
          { key: "SEVERITY", values: ["Critical", "Important"] },
        ],
      };
    case "UBUNTU":
    case "DEBIAN":
      return {
        complianceLevel: "CRITICAL",
        patchFilters: [{ key: "PRIORITY", values: ["Required", "Important"] }],
      };
  }
}

export class PatchManagement extends pulumi.ComponentResource {
  readonly baselines: aws.ssm.PatchBaseline[] = [];
  readonly window: aws.ssm.MaintenanceWindow;
  readonly association: aws.ssm.Association;

  constructor(name: string, args: PatchManagementArgs, opts?: pulumi.ComponentResourceOptions) {
    const a = parseArgs(patchArgsSchema, args, "PatchManagement", name);
    super("bulwark:patching:PatchManagement", name, {}, opts);
    const tags = (n: string) => mergeTags("PatchManagement", { Name: n, ...a.tags });
    const target = [{ key: `tag:${TAGS.patchGroup}`, values: [a.patchGroup] }];

    for (const os of [...new Set(a.operatingSystems)]) {
      const id = os.toLowerCase().replace(/_/g, "-");
      const baseline = new aws.ssm.PatchBaseline(
        `${name}-${id}`,
        {
          description: `Bulwark: security updates for ${os}`,
          operatingSystem: os,
          approvalRules: [approvalRule(os, a.approveAfterDays)],
          approvedPatchesComplianceLevel: "CRITICAL",
          tags: tags(`${name}-${id}`),
        },
        { parent: this },
      );
      new aws.ssm.PatchGroup(`${name}-${id}`, { baselineId: baseline.id, patchGroup: a.patchGroup }, { parent: this });
      this.baselines.push(baseline);
    }

    this.window = new aws.ssm.MaintenanceWindow(
      name,
      {
        schedule: a.schedule,
        scheduleTimezone: a.scheduleTimezone,
        duration: a.durationHours,
        cutoff: a.cutoffHours,
        allowUnassociatedTargets: false,
        tags: tags(name),
      },
      { parent: this },
    );
    const windowTarget = new aws.ssm.MaintenanceWindowTarget(
      name,
      {
        windowId: this.window.id,
        resourceType: "INSTANCE",
        targets: target,
        description: `Servers tagged ${TAGS.patchGroup}=${a.patchGroup}`,
      },
      { parent: this },
    );
    new aws.ssm.MaintenanceWindowTask(
      `${name}-install`,
      {
        windowId: this.window.id,
        taskType: "RUN_COMMAND",
        taskArn: "AWS-RunPatchBaseline",
        priority: 1,
        maxConcurrency: "25%",
        maxErrors: "10%",
        targets: [{ key: "WindowTargetIds", values: [windowTarget.id] }],
        taskInvocationParameters: {
          runCommandParameters: {
            parameters: [
              { name: "Operation", values: ["Install"] },
              { name: "RebootOption", values: ["RebootIfNeeded"] },
            ],
            timeoutSeconds: 3600,
          },
        },
      },
      { parent: this },
    );

    this.association = new aws.ssm.Association(
      `${name}-scan`,
      {
        name: "AWS-RunPatchBaseline",
        associationName: `${name}-scan`,
        scheduleExpression: a.scanSchedule,
        parameters: { Operation: "Scan" },
        targets: target,
        complianceSeverity: "HIGH",
        maxConcurrency: "50%",
        maxErrors: "10%",
      },
      { parent: this },
    );

    this.registerOutputs({ windowId: this.window.id, associationId: this.association.associationId });
  }
}
