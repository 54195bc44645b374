import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useDatabaseBefore } from './fixtures/database-before.js';

const THIS = '2026-12-05-002-perishable-mails';

describe(`migration ${THIS}`, () => {
  const migration = useDatabaseBefore(THIS);

  it('gives code mails their code’s expiry and drops the bodies of dead ones', async () => {
    const db = migration.db();
    const createdAt = new Date('2026-12-01T10:00:00.000Z');
    const mail = async (template: string, status: 'pending' | 'dead') => {
      const id = randomUUID();
      await db
        .insertInto('sent_emails')
        .values({
          id,
          source: randomUUID(),
          recipient_id: randomUUID(),
          template,
          to_email: 'r@example.com',
          subject: 's',
          body_text: 'code 123456',
          body_html: '<p>123456</p>',
          status,
          created_at: createdAt,
          dead_at: status === 'dead' ? createdAt : null,
        })
        .execute();
      return id;
    };
    const ids = {
      deadCode: await mail('verification-code', 'dead'),
      pendingCode: await mail('password-reset-code', 'pending'),
      deadOther: await mail('booking-confirmed', 'dead'),
    };
    expect((await migration.up()).error).toBeUndefined();
    const rows = await db
      .selectFrom('sent_emails')
      .select(['id', 'body_text', 'body_html', 'expires_at'])
      .execute();
    const byId = new Map(rows.map(({ id, ...rest }) => [id, rest]));
    const expires = new Date(createdAt.getTime() + 600_000);
    expect(byId.get(ids.deadCode)).toEqual({
      body_text: null,
      body_html: null,
      expires_at: expires,
    });
    // Still pending: the sender drops it unsent (it expired long ago), clearing its bodies.
    expect(byId.get(ids.pendingCode)).toEqual({
      body_text: 'code 123456',
      body_html: '<p>123456</p>',
      expires_at: expires,
    });
    expect(byId.get(ids.deadOther)).toEqual({
      body_text: 'code 123456',
      body_html: '<p>123456</p>',
      expires_at: null,
    });
  });

  it('goes down and up again', async () => {
    expect((await migration.down()).error).toBeUndefined();
    expect((await migration.up()).error).toBeUndefined();
  });
});
