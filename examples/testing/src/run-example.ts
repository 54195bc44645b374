import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface ExampleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs an example as a reader would (`pnpm start` = tsx src/main.ts) from its folder, with these
 * arguments and extra environment; a non-zero exit is returned, not thrown.
 */
export async function runExample(
  exampleDir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<ExampleRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      `${exampleDir}node_modules/.bin/tsx`,
      ['src/main.ts', ...args],
      { cwd: exampleDir, env: { ...process.env, ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
