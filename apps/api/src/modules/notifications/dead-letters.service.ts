import type { DeadLetterMail, Page, ReplayDeadLettersInput } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { appendAudits } from '../../audit/audit.repository.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { type SentEmailRow, sentEmailsRepository } from './sent-emails.repository.js';

/** Mails every try of which failed, for admins: list them, send them again. */
export interface DeadLettersService {
  /** `cursor` as the input schema decodes it: dead-at, id. */
  list(input: {
    limit: number;
    cursor?: { d: string; id: string } | null | undefined;
  }): Promise<Page<DeadLetterMail>>;
  /** Audited: one entry per mail, with the admin who replayed it. */
  replay(actorId: string, input: ReplayDeadLettersInput): Promise<{ replayed: number }>;
}

const AUDIT_CHUNK = 1_000;

function toDeadLetter(row: SentEmailRow): DeadLetterMail {
  return {
    id: row.id,
    template: row.template,
    source: row.source,
    to: row.to_email,
    subject: row.subject,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    // A dead row always has dead_at; the fallback only satisfies the type.
    deadAt: (row.dead_at ?? row.created_at).toISOString(),
  };
}

export function createDeadLettersService(deps: { db: Kysely<Database> }): DeadLettersService {
  return {
    async list(input) {
      const cursor = input.cursor ?? undefined;
      const rows = await sentEmailsRepository.deadLetters(deps.db, {
        after: cursor && { deadAt: cursor.d, id: cursor.id },
        limit: rowsFor(input.limit),
      });
      return keysetPage(rows, input.limit, {
        item: toDeadLetter,
        sortKey: (r) => ({ d: (r.dead_at ?? r.created_at).toISOString(), id: r.id }),
      });
    },

    async replay(actorId, input) {
      const ids = 'all' in input ? 'all' : input.ids;
      const replayed = await deps.db.transaction().execute(async (trx) => {
        const done = await sentEmailsRepository.replay(trx, ids);
        // In slices: one statement binds at most 65,535 values.
        for (let i = 0; i < done.length; i += AUDIT_CHUNK) {
          await appendAudits(
            trx,
            done
              .slice(i, i + AUDIT_CHUNK)
              .map((id) => ({ entity: 'mail', entityId: id, action: 'replay', actorId })),
          );
        }
        return done.length;
      });
      return { replayed };
    },
  };
}
