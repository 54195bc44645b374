import { randomUUID } from 'node:crypto';
import { deadLettersInputSchema } from '@evently/contracts';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLettersService } from './dead-letters.service.js';
import { sentEmailsRepository } from './sent-emails.repository.js';

// The dead-letter list's keyset pages on a real database.
describe('dead letters service', () => {
  let test: TestDatabase;

  beforeAll(async () => {
    test = await createTestDatabase('dead-letters');
  });
  afterAll(async () => test?.drop());

  /** `n` mails queued and dead-lettered the way the sender does it. */
  async function deadMails(n: number): Promise<string[]> {
    const source = randomUUID();
    await sentEmailsRepository.queue(
      test.handle.db,
      Array.from({ length: n }, () => ({
        source,
        recipientId: randomUUID(),
        template: 'welcome',
        mail: { to: 'x@example.com', subject: 'Hi', text: 'hi', html: '<p>hi</p>' },
      })),
    );
    const rows = await test.handle.db
      .selectFrom('sent_emails')
      .select('id')
      .where('source', '=', source)
      .execute();
    for (const { id } of rows) {
      // A claimed mail (attempts 0 -> 1) whose try was its last.
      await test.handle.db
        .updateTable('sent_emails')
        .set({ attempts: 1 })
        .where('id', '=', id)
        .execute();
      await sentEmailsRepository.markDead(test.handle.db, { id, attempts: 1 }, 'no');
    }
    return rows.map((r) => r.id);
  }

  it('pages through dead letters that died in the same instant, each once', async () => {
    const ids = await deadMails(5);
    // Dead times are kept to the millisecond, so the cursor (a JS instant) carries them exactly.
    const fractions = await test.handle.db
      .selectFrom('sent_emails')
      .select(sql<string>`extract(microseconds from dead_at)::int % 1000`.as('us'))
      .where('id', 'in', ids)
      .execute();
    expect(fractions.every((f) => Number(f.us) === 0)).toBe(true);
    // A tie: all five at one instant; the id breaks it.
    await test.handle.db
      .updateTable('sent_emails')
      .set({ dead_at: new Date('2026-11-20T10:00:00.123Z') })
      .where('id', 'in', ids)
      .execute();
    const service = createDeadLettersService({ db: test.handle.db });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      // As a call would: the procedure's input schema decodes the cursor.
      const page = await service.list(deadLettersInputSchema.parse({ limit: 2, cursor }));
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });
});
