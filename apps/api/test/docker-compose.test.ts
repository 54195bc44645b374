import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

/*
 * There is no Docker engine where the tests run, so the container definitions are checked by
 * reading them: docker-compose.yml (with merge keys resolved, as compose does), the Dockerfile
 * and .dockerignore, against the root package.json and pnpm-workspace.yaml they depend on.
 */

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

// ---- compose file -------------------------------------------------------------------------

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const healthcheckSchema = z.object({
  test: z.union([z.string(), z.array(z.string())]),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  retries: z.number().optional(),
  start_period: z.string().optional(),
});
const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.unknown().optional(),
  command: z.array(z.string()).optional(),
  // Map form only: the list form (`- KEY=value`) cannot be merged from the shared anchor.
  environment: z.record(z.string(), scalar).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: healthcheckSchema.optional(),
  init: z.boolean().optional(),
});
const composeSchema = z.object({
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.unknown().nullable()).optional(),
});
type Service = z.infer<typeof serviceSchema>;

const composeText = read('docker-compose.yml');
const compose = composeSchema.parse(parse(composeText, { merge: true }));

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function env(name: string): Record<string, string> {
  return service(name).environment ?? {};
}

function healthTest(name: string): string {
  const test = service(name).healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

/**
 * Compose's variable substitution for an empty shell: `${X:-default}` gives the default,
 * `${X:?message}` is an error (compose refuses to start), `$$` is a literal `$`.
 */
function interpolate(value: string, vars: Record<string, string> = {}): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (match, name, op, arg) => {
    if (match === '$$') return '$';
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (op === ':-' || op === '-') return arg;
    if (op === ':?' || op === '?') throw new Error(`${name}: ${arg}`);
    return '';
  });
}

const rootPackage = z
  .object({ packageManager: z.string(), scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(read('package.json')));

const appServices = ['api', 'worker'] as const;
const infraServices = ['postgres', 'redis', 'mailpit'] as const;

describe('docker-compose.yml', () => {
  it('defines exactly postgres, redis, mailpit, api and worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'mailpit', 'postgres', 'redis', 'worker'].sort(),
    );
  });

  it('uses the intended images, with persistent volumes for Postgres and Redis', () => {
    expect(service('postgres').image).toMatch(/^postgres:16(\b|-)/);
    expect(service('redis').image).toMatch(/^redis:7(\b|-)/);
    expect(service('mailpit').image).toMatch(/^axllent\/mailpit(:|$)/);
    expect(service('postgres').volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(service('redis').volumes).toContain('redis-data:/data');
    expect(Object.keys(compose.volumes ?? {})).toEqual(
      expect.arrayContaining(['postgres-data', 'redis-data']),
    );
  });

  it('gives every infrastructure service and the api a health check', () => {
    expect(healthTest('postgres')).toMatch(/\bpg_isready\b.*-U evently.*-d evently/);
    expect(healthTest('redis')).toContain('redis-cli ping');
    expect(healthTest('mailpit')).toMatch(/\/mailpit readyz/);
    expect(healthTest('api')).toMatch(/^CMD node -e .*fetch\(.*\/health\/ready/);
  });

  it('runs Redis with AOF persistence and the noeviction policy BullMQ requires', () => {
    const command = service('redis').command ?? [];
    expect(command[0]).toBe('redis-server');
    const flags = new Map<string, string | undefined>();
    for (let i = 1; i < command.length; i += 2) flags.set(command[i] ?? '', command[i + 1]);
    expect(flags.get('--appendonly')).toBe('yes');
    expect(flags.get('--maxmemory-policy')).toBe('noeviction');
  });

  it('publishes the API on 3000 and Mailpit SMTP 1025 and UI 8025', () => {
    const apiPorts = (service('api').ports ?? []).map((p) => interpolate(p));
    expect(apiPorts).toContain('3000:3000');
    const mailPorts = service('mailpit').ports ?? [];
    expect(mailPorts.some((p) => p.endsWith(':8025:8025') || p === '8025:8025')).toBe(true);
    expect(mailPorts.some((p) => p.endsWith(':1025:1025') || p === '1025:1025')).toBe(true);
  });

  it.each(appServices)('%s waits for healthy postgres, redis and mailpit', (name) => {
    const dependsOn = service(name).depends_on ?? {};
    for (const dependency of infraServices) {
      expect(dependsOn[dependency], `${name} -> ${dependency}`).toEqual({
        condition: 'service_healthy',
      });
    }
  });

  it('starts the worker once the api (which applies migrations) is ready', () => {
    expect(service('worker').depends_on?.api).toEqual({ condition: 'service_healthy' });
  });

  it('builds api and worker as one image from the Dockerfile', () => {
    expect(service('api').build).toBe('.');
    expect(service('worker').build).toBe('.');
    expect(service('api').image).toBeDefined();
    expect(service('worker').image).toBe(service('api').image);
    expect(service('api').init).toBe(true);
    expect(service('worker').init).toBe(true);
  });

  it('runs pnpm start:api and pnpm start:worker, scripts the root package.json defines', () => {
    expect(service('api').command).toEqual(['pnpm', 'start:api']);
    expect(service('worker').command).toEqual(['pnpm', 'start:worker']);
    for (const name of appServices) {
      const [bin, script] = service(name).command ?? [];
      expect(bin).toBe('pnpm');
      expect(rootPackage.scripts[script ?? '']).toMatch(
        /^exec node (--[\w-]+(=\S+)? )*--import tsx /,
      );
    }
  });

  describe.each(appServices)('%s environment', (name) => {
    it('points at the compose services in production mode', () => {
      const vars = env(name);
      const pg = service('postgres').environment ?? {};
      expect(vars.NODE_ENV).toBe('production');

      const database = new URL(interpolate(vars.DATABASE_URL ?? ''));
      expect(database.protocol).toBe('postgres:');
      expect(database.hostname).toBe('postgres');
      expect(database.port).toBe('5432');
      expect(database.username).toBe(pg.POSTGRES_USER);
      expect(database.pathname).toBe(`/${pg.POSTGRES_DB}`);
      // Same default password on both sides, and the same variable overrides both.
      expect(decodeURIComponent(database.password)).toBe(interpolate(pg.POSTGRES_PASSWORD ?? ''));
      const custom = { POSTGRES_PASSWORD: 's3cretPass' };
      expect(new URL(interpolate(vars.DATABASE_URL ?? '', custom)).password).toBe('s3cretPass');
      expect(interpolate(pg.POSTGRES_PASSWORD ?? '', custom)).toBe('s3cretPass');

      const redis = new URL(interpolate(vars.REDIS_URL ?? ''));
      expect(redis.protocol).toBe('redis:');
      expect(redis.hostname).toBe('redis');
      expect(redis.port).toBe('6379');

      expect(vars.SMTP_URL).toBe('smtp://mailpit:1025');
      expect(interpolate(vars.MAIL_FROM ?? '')).toMatch(/<[^@>\s]+@[^>\s]+>/);
      expect(interpolate(vars.LOG_LEVEL ?? '')).toBe('info');
    });

    it('requires JWT_SECRET from the environment and never carries a literal one', () => {
      const secret = env(name).JWT_SECRET;
      expect(secret).toMatch(/^\$\{JWT_SECRET:\?[^}]+\}$/);
      expect(() => interpolate(secret ?? '')).toThrow(/JWT_SECRET/);
      const real = 'x'.repeat(48);
      expect(interpolate(secret ?? '', { JWT_SECRET: real })).toBe(real);
    });
  });

  it('gives the api its HTTP and bootstrap settings', () => {
    const vars = env('api');
    expect(vars.PORT).toBe('3000');
    expect(vars.HOST).toBe('0.0.0.0');
    expect(interpolate(vars.CORS_ORIGINS ?? '')).toMatch(/^https?:\/\//);
    // Both optional and empty by default (the API wants both or neither).
    expect(interpolate(vars.ADMIN_EMAIL ?? 'missing')).toBe('');
    expect(interpolate(vars.ADMIN_PASSWORD ?? 'missing')).toBe('');
    const admin = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'correct horse battery' };
    expect(interpolate(vars.ADMIN_EMAIL ?? '', admin)).toBe(admin.ADMIN_EMAIL);
    expect(interpolate(vars.ADMIN_PASSWORD ?? '', admin)).toBe(admin.ADMIN_PASSWORD);
  });

  it('requires the ticket signing key from the environment, the same for the api and worker', () => {
    // The worker signs the codes of the tickets the confirmation mail carries.
    const key = env('api').TICKET_SIGNING_KEY;
    expect(key).toMatch(/^\$\{TICKET_SIGNING_KEY:\?[^}]+\}$/);
    expect(() => interpolate(key ?? '')).toThrow(/TICKET_SIGNING_KEY/);
    expect(env('worker').TICKET_SIGNING_KEY).toBe(key);
  });

  it('has no literal secret anywhere in the file', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (!/SECRET|TOKEN|API_KEY|SIGNING_KEY/.test(key)) continue;
        // From the environment: required (`${X:?why}`) or, for an optional one, empty by default.
        expect(value, `${name}.${key}`).toMatch(/^\$\{\w+(:\?[^}]+|:-)\}$/);
      }
    }
  });
});

// ---- the api health check, executed -------------------------------------------------------

describe('the api health-check command', () => {
  let server: Server;
  let port: number;
  let readyStatus = 200;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.statusCode = req.url === '/health/ready' ? readyStatus : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Runs the compose `test` as Docker would (exec form), with PORT pointing at our stub. */
  async function runHealthcheck(targetPort: number): Promise<number> {
    const [form, ...argv] = z.array(z.string()).parse(service('api').healthcheck?.test);
    expect(form).toBe('CMD');
    const [bin, ...args] = argv;
    expect(bin).toBe('node');
    try {
      await promisify(execFile)(process.execPath, args, {
        env: { PATH: process.env.PATH, PORT: String(targetPort) },
        timeout: 10_000,
      });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  it('exits 0 when /health/ready answers 200', async () => {
    readyStatus = 200;
    expect(await runHealthcheck(port)).toBe(0);
    expect(hits).toContain('/health/ready');
  });

  it('exits 1 when /health/ready answers 503', async () => {
    readyStatus = 503;
    expect(await runHealthcheck(port)).toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await runHealthcheck(freePort)).toBe(1);
  });
});

// ---- Dockerfile and .dockerignore ----------------------------------------------------------

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function dockerfileInstructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** A Dockerfile/pnpm glob (`*` within one path segment) as a RegExp. */
function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}

describe('Dockerfile', () => {
  const instructions = dockerfileInstructions(read('Dockerfile'));
  const indexOf = (predicate: (i: { op: string; args: string }) => boolean) =>
    instructions.findIndex(predicate);

  it('builds on Node 22 slim', () => {
    expect(instructions[0]).toEqual({ op: 'FROM', args: 'node:22-slim' });
  });

  it('installs the pnpm version package.json pins', () => {
    const pinned = rootPackage.packageManager.match(/^pnpm@(\d+\.\d+\.\d+)/)?.[1];
    expect(pinned).toMatch(/^10\./);
    const arg = instructions.find((i) => i.op === 'ARG' && i.args.startsWith('PNPM_VERSION='));
    expect(arg?.args).toBe(`PNPM_VERSION=${pinned}`);
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ARG reference
      instructions.some((i) => i.op === 'RUN' && i.args.includes('pnpm@${PNPM_VERSION}')),
    ).toBe(true);
  });

  it('copies the manifests of every workspace package before installing, then the sources', () => {
    const manifests = indexOf((i) => i.op === 'COPY' && i.args.includes('pnpm-lock.yaml'));
    const install = indexOf((i) => i.op === 'RUN' && /pnpm install --frozen-lockfile/.test(i.args));
    const sources = indexOf((i) => i.op === 'COPY' && /(^|\s)\. \.$/.test(i.args));
    expect(manifests).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(manifests);
    expect(sources).toBeGreaterThan(install);

    const copied = (instructions[manifests]?.args ?? '')
      .split(/\s+/)
      .filter((arg) => !arg.startsWith('--'))
      .slice(0, -1);
    for (const file of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'patches']) {
      expect(copied).toContain(file);
    }
    // Every package the workspace declares has its package.json in that first COPY.
    const workspace = z
      .object({ packages: z.array(z.string()) })
      .parse(parse(read('pnpm-workspace.yaml')));
    const patterns = copied.map(globToRegExp);
    for (const dirGlob of workspace.packages) {
      const [parent = '', leaf = ''] = dirGlob.includes('/') ? dirGlob.split('/') : ['', dirGlob];
      const dirs = leaf === '*' ? readdirSync(new URL(`${parent}/`, root)) : [leaf];
      for (const dir of dirs) {
        const manifest = parent ? `${parent}/${dir}/package.json` : `${dir}/package.json`;
        if (!existsSync(new URL(manifest, root))) continue;
        expect(
          patterns.some((p) => p.test(manifest)),
          `${manifest} copied before install`,
        ).toBe(true);
      }
      const declared = `${dirGlob}/package.json`;
      expect(
        copied.some((c) => c === declared || c === `${declared}*`),
        `${declared} (from pnpm-workspace.yaml) in the manifest COPY`,
      ).toBe(true);
    }
  });

  it('runs as a non-root user and bakes in no secret', () => {
    const user = instructions.filter((i) => i.op === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(user?.args).not.toMatch(/^(root|0)(:|$)/);
    for (const i of instructions.filter((x) => x.op === 'ENV' || x.op === 'ARG')) {
      expect(i.args).not.toMatch(/SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL|SMTP_URL/);
    }
    expect(instructions.find((i) => i.op === 'ENV' && i.args.startsWith('NODE_ENV='))?.args).toBe(
      'NODE_ENV=production',
    );
  });

  it('defaults to a root package.json script and exposes the API port', () => {
    const cmd = instructions.filter((i) => i.op === 'CMD').at(-1);
    const argv = z.array(z.string()).parse(JSON.parse(cmd?.args ?? 'null'));
    expect(argv[0]).toBe('pnpm');
    expect(rootPackage.scripts[argv[1] ?? '']).toBeDefined();
    expect(instructions.some((i) => i.op === 'EXPOSE' && i.args === '3000')).toBe(true);
  });

  it('.dockerignore keeps installed packages, local data and secrets out of the context', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['**/node_modules', '**/.env', '**/.evently', '.git']) {
      expect(ignored).toContain(entry);
    }
  });
});
