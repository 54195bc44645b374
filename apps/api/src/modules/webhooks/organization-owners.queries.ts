import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';

/**
 * The owners of an organization with their addresses, and its name: who is mailed when one of
 * its webhooks is disabled. A read-only query of the organizations' and users' tables, as the
 * notifications' recipients queries are (mail-recipients.queries.ts): the disabling transaction
 * must name them as they are when it commits, and no service call runs in a transaction.
 */
export async function ownersOf(
  trx: Transaction<Database>,
  organizationId: string,
): Promise<{
  name: string;
  owners: Array<{ userId: string; email: string; name: string }>;
}> {
  const [organization, owners] = await Promise.all([
    trx
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', organizationId)
      .executeTakeFirst(),
    trx
      .selectFrom('organization_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id as userId', 'u.email', 'u.name'])
      .where('m.organization_id', '=', organizationId)
      .where('m.role', '=', 'owner')
      .orderBy('u.id')
      .execute(),
  ]);
  return { name: organization?.name ?? '', owners };
}
