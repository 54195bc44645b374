// No source file over 400 lines (tests included): a file that long holds more than one concept.
// Run by `pnpm check:size` and CI's lint step; lists every offender with its length.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 400;
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\n')
  // Generated files (`*.generated.ts`: the REST client's types) are checked against their source.
  .filter((file) => SOURCE.test(file) && !file.endsWith('.generated.ts'));

const long = files
  .map((file) => {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return { file, lines: 0 }; // deleted in the working tree
    }
    return { file, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
  })
  .filter(({ lines }) => lines > LIMIT)
  .sort((a, b) => b.lines - a.lines);

if (long.length > 0) {
  console.error(`${long.length} source file(s) over ${LIMIT} lines:`);
  for (const { file, lines } of long) console.error(`  ${lines}  ${file}`);
  process.exit(1);
}
console.log(`no source file over ${LIMIT} lines (${files.length} checked)`);
