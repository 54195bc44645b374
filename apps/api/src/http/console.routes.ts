import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CONSOLE_PATH = '/console';

/**
 * The console loads everything from this server (its build has no CDN reference): scripts and
 * styles from /console/assets, data from /trpc, the camera stream of the check-in screen as a
 * blob. Charts set inline styles.
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "object-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/**
 * `/console`: the console's production build (`apps/console/dist`, CONSOLE_DIR), its hashed
 * assets cached for good, and every other path under it answered with its index.html (the
 * console routes in the browser). Without a build, /console says how to make one.
 */
export async function registerConsole(app: FastifyInstance, dir: string): Promise<void> {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    app.get(`${CONSOLE_PATH}*`, (_req, reply) =>
      reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `pnpm --filter @evently/console build`.\n'),
    );
    return;
  }
  const html = await readFile(index, 'utf8');
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: `${CONSOLE_PATH}/assets/`,
    decorateReply: false,
    wildcard: false,
    immutable: true,
    maxAge: '365d',
    setHeaders: (res) => res.header('content-security-policy', CONSOLE_CSP),
  });
  const page = (_req: unknown, reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONSOLE_CSP)
      .send(html);
  app.get(CONSOLE_PATH, (_req, reply) => reply.redirect(`${CONSOLE_PATH}/`));
  app.get(`${CONSOLE_PATH}/`, page);
  app.get(`${CONSOLE_PATH}/*`, page);
  // An asset the build does not have (an old tab after a deploy) is missing, not the page.
  app.get(`${CONSOLE_PATH}/assets/*`, (_req, reply) =>
    reply.code(404).type('text/plain; charset=utf-8').send('Not found\n'),
  );
}
