/**
 * Drops comment-only lines from a bash script, for the user-data form of the bundle (EC2 allows 16 KiB gzipped).
 * Keeps the shebang, `# shellcheck` directives, heredoc bodies, lines inside a multi-line quoted string and lines
 * after a `\` continuation. When the scan cannot be sure (a heredoc or quote left open at the end), the script is
 * returned verbatim: less compact, never different.
 */

interface Heredoc {
  delim: string;
  /** `<<-`: leading tabs are stripped before the delimiter is compared. */
  dash: boolean;
}

const WORD_END = /[\s;&|()<>]/;

/** Reads the heredoc word at `i`; quotes and backslashes only mark it quoted, they are not part of the delimiter. */
function readDelimiter(line: string, i: number): { delim: string; next: number } {
  let delim = "";
  let q: string | null = null;
  for (; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === q) q = null;
      else delim += c;
    } else if (c === "'" || c === '"') q = c;
    else if (c === "\\") delim += line[++i] ?? "";
    else if (WORD_END.test(c)) break;
    else delim += c;
  }
  return { delim, next: i };
}

type Quote = null | "'" | '"' | "$'";

/** Scans one line outside heredoc bodies: new quote state, heredocs opened, whether it ends in a continuation. */
function scanLine(line: string, quote: Quote): { quote: Quote; heredocs: Heredoc[]; continued: boolean } {
  const heredocs: Heredoc[] = [];
  let continued = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      continue;
    }
    if (quote === "$'") {
      if (c === "\\") i++;
      else if (c === "'") quote = null;
      continue;
    }
    if (quote === '"') {
      if (c === "\\") {
        if (i === line.length - 1) continued = true;
        i++;
      } else if (c === '"') quote = null;
      continue;
    }
    if (c === "\\") {
      if (i === line.length - 1) continued = true;
      i++;
    } else if (c === "'") quote = i > 0 && line[i - 1] === "$" ? "$'" : "'";
    else if (c === '"') quote = '"';
    else if (c === "#" && (i === 0 || WORD_END.test(line[i - 1]))) break;
    else if (c === "<" && line[i + 1] === "<" && line[i + 2] !== "<" && line[i - 1] !== "<") {
      let j = i + 2;
      const dash = line[j] === "-";
      if (dash) j++;
      while (line[j] === " " || line[j] === "\t") j++;
      const { delim, next } = readDelimiter(line, j);
      if (delim) heredocs.push({ delim, dash });
      i = next - 1;
    }
  }
  return { quote, heredocs, continued };
}

const DIRECTIVE = /^\s*#\s*shellcheck\s/;

export function stripShellCommentLines(script: string): string {
  const lines = script.split("\n");
  const out: string[] = [];
  let quote: Quote = null;
  let pending: Heredoc[] = [];
  let continued = false;
  lines.forEach((line, n) => {
    if (pending.length > 0) {
      out.push(line);
      const h = pending[0];
      if ((h.dash ? line.replace(/^\t+/, "") : line) === h.delim) pending = pending.slice(1);
      return;
    }
    const comment =
      quote === null &&
      !continued &&
      /^\s*#/.test(line) &&
      !DIRECTIVE.test(line) &&
      !(n === 0 && line.startsWith("#!"));
    if (comment) return;
    out.push(line);
    const s = scanLine(line, quote);
    quote = s.quote;
    continued = s.continued;
    pending = [...pending, ...s.heredocs];
  });
  if (pending.length > 0 || quote !== null) return script;
  return out.join("\n");
}
