import { randomUUID } from 'node:crypto';
import { encodeCursor } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { captureLog } from './capture-log.js';
import { eventInput } from './event-input.js';
import { startTestApp, type TestApp } from './harness.js';
import {
  callRaw,
  missingSamples,
  routerProcedures,
  sampleInputs,
  stringFields,
  withField,
} from './router-procedures.js';

// Bad input on every procedure of the router, as a table: each string the input takes gets
// text a person cannot type (NUL, a lone surrogate, a control character), each list a forged
// cursor. Every answer must be VALIDATION_FAILED 400 naming the field, with no error-level log
// line and nothing written.

const INVALID_TEXT = {
  nul: 'ok\u0000nul',
  'lone surrogate': 'ok\ud800',
  'control character': 'ok\u0007bell',
};

/** Cursors no list ever issued: garbage, foreign shapes, right keys with values SQL chokes on. */
const FORGED_CURSORS = {
  'not base64url': 'not a cursor!',
  'not JSON': 'bm90IGpzb24',
  'an empty object': encodeCursor({}),
  'unknown keys': encodeCursor({ x: 1 }),
  'start time not an instant': encodeCursor({ s: 'yesterday', i: randomUUID() }),
  'created-at not an instant': encodeCursor({ c: '2026-99-99', i: randomUUID() }),
  'dead-at not an instant': encodeCursor({ d: 'soon', id: randomUUID() }),
  'id not a uuid': encodeCursor({ s: '2026-01-01T00:00:00Z', i: "1' or '1'='1" }),
  'sequence past bigint': encodeCursor({ s: '99999999999999999999' }),
  'sequence negative': encodeCursor({ s: '-1' }),
  'sequence with NUL': encodeCursor({ s: '1\u0000' }),
  'an extra key': encodeCursor({ c: '2026-01-01T00:00:00Z', i: randomUUID(), x: 1 }),
};

describe('bad input on every procedure', () => {
  const captured = captureLog();
  let app: TestApp;
  let adminToken: string;
  let addresses = 0;
  beforeAll(async () => {
    app = await startTestApp({ log: captured.log });
    adminToken = (await app.admin()).tokens.accessToken;
  });
  afterAll(async () => app?.close());

  /** Admin (past every role check), each call from its own address (no per-IP limit). */
  const call = (procedure: (typeof routerProcedures)[number], input: unknown) => {
    addresses += 1;
    return callRaw(app.url, procedure, input, {
      authorization: `Bearer ${adminToken}`,
      'x-forwarded-for': `10.77.${(addresses >> 8) & 255}.${addresses & 255}`,
    });
  };

  const errorLines = () => captured.lines().filter((line) => Number(line.level) >= 50);

  /** What bad input must never change. */
  const writes = async () => {
    const db = app.db.handle.db;
    const count = async (table: 'outbox' | 'audit_log' | 'events' | 'users' | 'bookings') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      outbox: await count('outbox'),
      audit: await count('audit_log'),
      events: await count('events'),
      users: await count('users'),
      bookings: await count('bookings'),
    };
  };

  it('has a valid sample input for every procedure of the router', () => {
    expect(routerProcedures.length).toBeGreaterThan(40);
    expect(missingSamples(sampleInputs())).toEqual([]);
  });

  it('refuses invalid text in every string field of every procedure: VALIDATION_FAILED 400 on that field', async () => {
    const samples = sampleInputs();
    const before = await writes();
    const answers: unknown[] = [];
    let fields = 0;
    for (const procedure of routerProcedures) {
      for (const field of stringFields(procedure.input)) {
        fields += 1;
        for (const [kind, text] of Object.entries(INVALID_TEXT)) {
          const input = withField(samples[procedure.path], field, text);
          const answer = await call(procedure, input);
          answers.push({
            at: `${procedure.path} ${field.join('.')} (${kind})`,
            status: answer.status,
            httpStatus: answer.httpStatus,
            appCode: answer.appCode,
            onField: answer.zodIssues.some((i) => i.path.join('.') === field.join('.')),
          });
        }
      }
    }
    expect(fields).toBeGreaterThan(60);
    expect(answers).toEqual(
      answers.map((a) => {
        const at = (a as { at: string }).at;
        // A subscription answers over SSE: the stream opens (200) and its first event is the
        // error, since an EventSource cannot read the body of a 4xx (the SDK would lose the
        // appCode). The error itself is the same 400.
        const subscription = at.startsWith('analytics.live ') || at.startsWith('seating.live ');
        const status = subscription ? 200 : 400;
        return { at, status, httpStatus: 400, appCode: 'VALIDATION_FAILED', onField: true };
      }),
    );
    expect(errorLines()).toEqual([]);
    expect(await writes()).toEqual(before);
  });

  it('refuses a forged cursor on every paged procedure: VALIDATION_FAILED 400 on cursor', async () => {
    const samples = sampleInputs();
    const paged = routerProcedures.filter((p) =>
      stringFields(p.input).some((field) => field.join('.') === 'cursor'),
    );
    expect(paged.map((p) => p.path).sort()).toEqual(
      expect.arrayContaining([
        'auth.users.list',
        'bookings.audit',
        'bookings.listForEvent',
        'bookings.mine',
        'bookings.waitlist.forEvent',
        'events.list',
        'system.mail.deadLetters',
      ]),
    );
    const answers: unknown[] = [];
    for (const procedure of paged) {
      for (const [kind, cursor] of Object.entries(FORGED_CURSORS)) {
        const answer = await call(procedure, { ...(samples[procedure.path] as object), cursor });
        answers.push({
          at: `${procedure.path} (${kind})`,
          status: answer.status,
          appCode: answer.appCode,
          issues: answer.zodIssues.map((i) => i.path.join('.')),
        });
      }
    }
    expect(answers).toEqual(
      answers.map((a) => ({
        at: (a as { at: string }).at,
        status: 400,
        appCode: 'VALIDATION_FAILED',
        issues: ['cursor'],
      })),
    );
    expect(errorLines()).toEqual([]);
  });

  it('refuses an events.update patch that breaks a rule between fields: VALIDATION_FAILED 400, event unchanged', async () => {
    const organizer = await app.signUp({ role: 'organizer' });
    const created = await organizer.client.events.create.mutate(
      eventInput({ title: 'Rules', priceCents: 0 }),
    );
    const update = organizer.client.events.update.mutate({
      id: created.id,
      expectedVersion: created.version,
      // Each field valid on its own; together, the event would end before it starts.
      patch: { endsAt: new Date(Date.parse(created.startsAt) - 3_600_000).toISOString() },
    });
    const error = await expectAppCode(update, 'VALIDATION_FAILED');
    expect(error.httpStatus).toBe(400);
    expect(error.zodIssues?.map((issue) => issue.path)).toContainEqual(['patch', 'endsAt']);
    expect(await organizer.client.events.get.query({ id: created.id })).toEqual(created);
    expect(errorLines()).toEqual([]);
  });

  it('strips bidi controls from names, titles, venues and descriptions; a name of only those is refused', async () => {
    const rlo = '\u202e';
    const user = await app.signUp({ name: `Ali${rlo}ce.exe` });
    expect((await user.client.auth.me.query()).name).toBe('Alice.exe');
    const renamed = await user.client.auth.updateProfile.mutate({
      name: '\u2067Bob\u2069 \u200fM\u061c',
    });
    expect(renamed.name).toBe('Bob M');
    await expectAppCode(
      user.client.auth.updateProfile.mutate({ name: ` ${rlo}\u2066 ` }),
      'VALIDATION_FAILED',
    );

    const organizer = await app.signUp({ role: 'organizer' });
    const created = await organizer.client.events.create.mutate(
      eventInput({
        title: `Free ${rlo}gnp.exe`,
        venue: '\u202aHall\u202c 1',
        description: `Line one\nLine ${rlo}two`,
        priceCents: 0,
      }),
    );
    expect(created).toMatchObject({
      title: 'Free gnp.exe',
      venue: 'Hall 1',
      description: 'Line one\nLine two',
    });
    const updated = await organizer.client.events.update.mutate({
      id: created.id,
      expectedVersion: created.version,
      patch: { title: `\u2068Jazz${rlo}` },
    });
    expect(updated.title).toBe('Jazz');
    const stored = await app.db.handle.db
      .selectFrom('events')
      .select(['title', 'venue', 'description'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toMatch(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  });
});
