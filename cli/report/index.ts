import { formatHtml } from "./html";
import { formatMarkdown } from "./markdown";
import type { CheckReport } from "./model";
import { formatSarif } from "./sarif";
import { formatText } from "./text";

export const CHECK_FORMATS = ["text", "json", "sarif", "markdown", "html"] as const;
export type CheckFormat = (typeof CHECK_FORMATS)[number];

export function formatCheckReport(r: CheckReport, format: CheckFormat): string {
  switch (format) {
    case "text":
      return formatText(r);
    case "json":
      return JSON.stringify(r, null, 2) + "\n";
    case "sarif":
      return formatSarif(r);
    case "markdown":
      return formatMarkdown(r);
    case "html":
      return formatHtml(r);
  }
}

export * from "./model";
