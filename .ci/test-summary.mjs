// The test step's closing lines, from vitest's JSON report: the counts, then every failed test by
// name with the start of its message, so the summary alone (all a truncated log may keep) says
// what failed and why.
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const where = (file) => file.name.replace(`${process.cwd()}/`, '');
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
);
for (const file of report.testResults) {
  const failed = file.assertionResults.filter((test) => test.status === 'failed');
  for (const test of failed) {
    console.log(`  failed: ${where(file)} > ${test.fullName}`);
    // A long message (a fault test's stuck rows and its processes' output) is cut.
    const why = stripVTControlCharacters((test.failureMessages ?? []).join('\n'));
    for (const line of why
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(0, 12)) {
      console.log(`    ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
    }
  }
  // A file that failed outside its tests (a hook, an import).
  if (file.status === 'failed' && failed.length === 0) {
    console.log(`  failed: ${where(file)}: ${(file.message ?? '').split('\n')[0]}`);
  }
}
