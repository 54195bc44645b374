import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useApiCluster } from './api-cluster.fixtures.js';
import { clientOf } from './api-cluster.js';
import { outcomeOf } from './app-error.js';

// Membership changes sent at the same moment through two API processes: the organization's row
// lock and the role read under it are the arbiter, not the roles each process had cached.

const ROUNDS = 8;

describe('organizations under concurrent changes (two API processes)', () => {
  const cast = useApiCluster({ database: 'organizations-race', attendees: 5 * ROUNDS });

  /** An organization whose owners are `owners`, straight into the database. */
  async function organizationOwnedBy(owners: string[]): Promise<string> {
    const { db } = cast();
    const id = randomUUID();
    await db
      .insertInto('organizations')
      .values({
        id,
        name: 'Race hall',
        slug: `race-${id}`,
        created_by: owners[0] ?? null,
        updated_at: new Date(),
      })
      .execute();
    await db
      .insertInto('organization_members')
      .values(owners.map((user_id) => ({ organization_id: id, user_id, role: 'owner' as const })))
      .execute();
    return id;
  }

  const ownersOf = async (organizationId: string) =>
    (
      await cast()
        .db.selectFrom('organization_members')
        .select('user_id')
        .where('organization_id', '=', organizationId)
        .where('role', '=', 'owner')
        .execute()
    ).map((r) => r.user_id);

  it('two owners demoting each other at once: one wins, the organization keeps an owner', async () => {
    const { apis, attendees } = cast();
    const [a, b] = apis;
    if (!a || !b) throw new Error('two API processes expected');
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const first = attendees[2 * round];
      const second = attendees[2 * round + 1];
      if (!first || !second) throw new Error('not enough attendees');
      const organizationId = await organizationOwnedBy([first.userId, second.userId]);
      // Both read their roles once (cached as owners in each process) before the race.
      await clientOf(a, first).organizations.get.query({ id: organizationId });
      await clientOf(b, second).organizations.get.query({ id: organizationId });
      const answers = await Promise.all([
        outcomeOf(
          clientOf(a, first).organizations.members.setRole.mutate({
            organizationId,
            userId: second.userId,
            role: 'viewer',
          }),
        ),
        outcomeOf(
          clientOf(b, second).organizations.members.setRole.mutate({
            organizationId,
            userId: first.userId,
            role: 'viewer',
          }),
        ),
      ]);
      const codes = answers.map((x) => (x.kind === 'answered' ? 'ok' : x.code)).sort();
      outcomes.push(codes.join('+'));
      expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
      expect(['FORBIDDEN', 'LAST_OWNER']).toContain(codes.find((c) => c !== 'ok'));
      expect(await ownersOf(organizationId)).toHaveLength(1);
    }
    expect(outcomes).toHaveLength(ROUNDS);
  });

  it('an owner demoted while their change waits for the lock does not make it', async () => {
    const { apis, attendees, db } = cast();
    const b = apis[1];
    const [p, q, r] = attendees.slice(2 * ROUNDS, 2 * ROUNDS + 3);
    if (!b || !p || !q || !r) throw new Error('not enough attendees');
    const organizationId = await organizationOwnedBy([p.userId, q.userId, r.userId]);
    // q's roles are cached as owner on B; then another change holds the organization's lock.
    await clientOf(b, q).organizations.get.query({ id: organizationId });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = false;
    let demote = async () => {};
    const holder = db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM organizations WHERE id = ${organizationId} FOR UPDATE`.execute(trx);
      locked = true;
      demote = async () => {
        await trx
          .updateTable('organization_members')
          .set({ role: 'viewer' })
          .where('organization_id', '=', organizationId)
          .where('user_id', '=', q.userId)
          .execute();
      };
      await held;
    });
    await expect.poll(() => locked, { timeout: 30_000 }).toBe(true);
    const change = outcomeOf(
      clientOf(b, q).organizations.members.setRole.mutate({
        organizationId,
        userId: r.userId,
        role: 'viewer',
      }),
    );
    // q's change passed its early check (cached: owner) and now waits for the lock.
    await expect
      .poll(
        async () =>
          (
            await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db)
          ).rows[0]?.n,
        { timeout: 30_000 },
      )
      .toBe('1');
    await demote();
    release();
    await holder;
    const answer = await change;
    expect(answer.kind === 'refused' && answer.code).toBe('FORBIDDEN');
    expect((await ownersOf(organizationId)).sort()).toEqual([p.userId, r.userId].sort());
  });
});
