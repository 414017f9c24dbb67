/**
 * Names every skipped test at the end of a run (jest's summary only counts them): a run without the host
 * prerequisites says exactly which suites and tests did not run. describeHost prints why (the missing tools).
 */
class SkipReporter {
  onRunComplete(_contexts, results) {
    this.error = undefined;
    const lines = [];
    for (const file of results.testResults) {
      const skipped = file.testResults.filter((t) => ["pending", "skipped", "todo"].includes(t.status));
      if (skipped.length === 0) continue;
      lines.push(`  ${file.testFilePath.replace(`${process.cwd()}/`, "")}`);
      let group;
      for (const t of skipped) {
        const g = t.ancestorTitles.join(" > ");
        if (g && g !== group) lines.push(`    ${g}`);
        group = g;
        lines.push(`      - ${t.title}`);
      }
    }
    if (lines.length === 0) return;
    const n = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`\nSKIPPED: ${n} test(s) did not run:\n${lines.join("\n")}\n`);
    // CI runs everything: a skipped test fails the run (describeHost and the suites' own checks fail first).
    if (process.env.CI) this.error = new Error(`CI=${process.env.CI}: ${n} test(s) skipped`);
  }

  getLastError() {
    return this.error;
  }
}
module.exports = SkipReporter;
