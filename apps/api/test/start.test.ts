import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@evently/platform/testing';
import { createEventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeTs, spawnWith, waitForHttp } from './processes.js';

describe('pnpm start (embedded, no services)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'evently-start-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('serves /health and /info in embedded mode, then exits cleanly on SIGTERM', async () => {
    const port = await findFreePort();
    // No DATABASE_URL, REDIS_URL or SMTP_URL: only where to listen and where to keep data.
    let code = '';
    const proc = spawnWith('pnpm', ['start'], { PORT: String(port), EVENTLY_DATA_DIR: dataDir });
    try {
      const health = await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
      expect(health.status).toBe(200);
      const info = (await (await fetch(`http://127.0.0.1:${port}/info`)).json()) as Record<
        string,
        unknown
      >;
      expect(info).toMatchObject({ name: 'evently-api', mode: 'embedded' });
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      // Mails go through the same outbox and worker, into the dev mailbox.
      const client = createEventlyClient({ url: `http://127.0.0.1:${port}` });
      await client.auth.register.mutate({
        email: 'dev@example.com',
        password: 'dev password 123',
        name: 'Dev',
      });
      await expect
        .poll(
          async () => {
            const box = (await (
              await fetch(`http://127.0.0.1:${port}/dev/mailbox?to=dev@example.com`)
            ).json()) as {
              mails: { subject: string; text: string }[];
            };
            code = /\b(\d{6})\b/.exec(box.mails[0]?.text ?? '')?.[1] ?? '';
            return box.mails.map((m) => m.subject);
          },
          { timeout: 15_000 },
        )
        .toContain('Your Evently verification code');
      // The start-up line says which mode it is in and how to switch.
      expect(proc.stdout()).toContain('embedded mode');
      expect(proc.stdout()).toContain('DATABASE_URL');
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
    // Every line of ours is pino JSON (pnpm adds its own `> evently@… start` banner).
    const lines = proc
      .stdout()
      .trim()
      .split('\n')
      .filter((line) => line && !line.startsWith('> '));
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    // The mail was logged without its body (the code stays in the mailbox, not the log).
    expect(proc.stdout()).toContain('Your Evently verification code');
    expect(code).toMatch(/^\d{6}$/);
    expect(proc.stdout()).not.toContain(`"${code}"`);
    expect(proc.stdout()).not.toContain(` ${code}`);
    const stopped = lines.findIndex((line) => line.includes('"msg":"stopped"'));
    expect(stopped, proc.stdout().slice(-2000)).toBeGreaterThan(0);
    // Nothing went wrong on the way down.
    for (const line of lines)
      expect((JSON.parse(line) as { level: number }).level).toBeLessThan(50);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'too-short' }, 'JWT_SECRET'],
    [{ DATABASE_URL: 'postgres//missing-colon' }, 'DATABASE_URL'],
  ])('refuses to start with %o: one line naming %s, exit code 1', async (env, name) => {
    const proc = spawnWith(...nodeTs('apps/api/src/main.ts'), {
      ...env,
      EVENTLY_DATA_DIR: dataDir,
    });
    expect(await proc.exited).toBe(1);
    const stderr = proc.stderr().trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^Invalid configuration: .*${name}`));
    expect(proc.stdout()).toBe('');
  });
});
