import type { MemberRole } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

export type OrganizationRow = Selectable<Database['organizations']>;
export type InvitationRow = Selectable<Database['organization_invitations']>;

export interface MemberRow {
  organization_id: string;
  user_id: string;
  role: MemberRole;
  joined_at: Date;
  name: string;
  email: string;
}

const ORGANIZATION_COLUMNS = ['id', 'name', 'slug', 'created_at', 'updated_at'] as const;

/** Organizations, their members and their invitations. */
export const organizationsRepository = {
  async insert(
    trx: Transaction<Database>,
    row: { id: string; name: string; slug: string; created_by: string; at: Date },
  ): Promise<OrganizationRow | undefined> {
    // A taken slug answers undefined (the caller picks another or refuses), not an exception
    // that would abort the transaction.
    return trx
      .insertInto('organizations')
      .values({
        id: row.id,
        name: row.name,
        slug: row.slug,
        created_by: row.created_by,
        created_at: row.at,
        updated_at: row.at,
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returningAll()
      .executeTakeFirst();
  },

  findBySlug(db: Db, slug: string): Promise<OrganizationRow | undefined> {
    return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  },

  find(db: Db, id: string): Promise<OrganizationRow | undefined> {
    return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /**
   * The organization's row, locked — changes to one organization run one at a time — and the
   * role `actorId` has in it now (what the change is decided by, not a cached role).
   */
  async lock(
    trx: Transaction<Database>,
    id: string,
    actorId: string,
  ): Promise<{ organization: OrganizationRow; actorRole: MemberRole | undefined } | undefined> {
    const organization = await trx
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!organization) return undefined;
    const actor = await trx
      .selectFrom('organization_members')
      .select('role')
      .where('organization_id', '=', id)
      .where('user_id', '=', actorId)
      .executeTakeFirst();
    return { organization, actorRole: actor?.role };
  },

  rename(trx: Transaction<Database>, id: string, name: string, at: Date) {
    return trx
      .updateTable('organizations')
      .set({ name, updated_at: at })
      .where('id', '=', id)
      .returning(ORGANIZATION_COLUMNS)
      .executeTakeFirstOrThrow();
  },

  /** Every organization `userId` belongs to, with their role, oldest membership first. */
  mine(db: Db, userId: string) {
    return db
      .selectFrom('organization_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.organization_id')
      .select(['o.id', 'o.name', 'o.slug', 'o.created_at', 'o.updated_at', 'm.role'])
      .where('m.user_id', '=', userId)
      .orderBy('m.joined_at')
      .orderBy('o.id')
      .execute();
  },

  /** userId's role in each organization they belong to. */
  async rolesOf(db: Db, userId: string): Promise<Record<string, MemberRole>> {
    const rows = await db
      .selectFrom('organization_members')
      .select(['organization_id', 'role'])
      .where('user_id', '=', userId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.organization_id, r.role]));
  },

  addMember(
    trx: Transaction<Database>,
    row: { organization_id: string; user_id: string; role: MemberRole; joined_at: Date },
  ) {
    return trx.insertInto('organization_members').values(row).execute();
  },

  member(db: Db, organizationId: string, userId: string): Promise<MemberRow | undefined> {
    return db
      .selectFrom('organization_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.organization_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.name', 'u.email'])
      .where('m.organization_id', '=', organizationId)
      .where('m.user_id', '=', userId)
      .executeTakeFirst();
  },

  /** Keyset page on (joined_at, user_id). */
  members(
    db: Db,
    organizationId: string,
    page: { limit: number; after?: { joinedAt: string; userId: string } | undefined },
  ): Promise<MemberRow[]> {
    let query = db
      .selectFrom('organization_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.organization_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.name', 'u.email'])
      .where('m.organization_id', '=', organizationId);
    const after = page.after;
    if (after) {
      const joinedAt = new Date(after.joinedAt);
      query = query.where((eb) =>
        eb.or([
          eb('m.joined_at', '>', joinedAt),
          eb.and([eb('m.joined_at', '=', joinedAt), eb('m.user_id', '>', after.userId)]),
        ]),
      );
    }
    return query.orderBy('m.joined_at').orderBy('m.user_id').limit(page.limit).execute();
  },

  async countOwners(trx: Transaction<Database>, organizationId: string): Promise<number> {
    const { n } = await trx
      .selectFrom('organization_members')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', organizationId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(n);
  },

  async setRole(
    trx: Transaction<Database>,
    organizationId: string,
    userId: string,
    role: MemberRole,
  ) {
    await trx
      .updateTable('organization_members')
      .set({ role })
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .execute();
  },

  async removeMember(trx: Transaction<Database>, organizationId: string, userId: string) {
    await trx
      .deleteFrom('organization_members')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .execute();
  },

  /** Ends the pending invitations of `email` to the organization (a new one replaces them). */
  async revokePending(trx: Transaction<Database>, organizationId: string, email: string, at: Date) {
    await trx
      .updateTable('organization_invitations')
      .set({ revoked_at: at, mail_code: null })
      .where('organization_id', '=', organizationId)
      .where('email', '=', email)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
  },

  insertInvitation(
    trx: Transaction<Database>,
    row: Omit<InvitationRow, 'created_at' | 'accepted_at' | 'accepted_by' | 'revoked_at'> & {
      created_at: Date;
    },
  ): Promise<InvitationRow> {
    return trx
      .insertInto('organization_invitations')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** The invitation with this code's hash, locked for its acceptance. */
  invitationByHash(
    trx: Transaction<Database>,
    codeHash: string,
  ): Promise<InvitationRow | undefined> {
    return trx
      .selectFrom('organization_invitations')
      .selectAll()
      .where('code_hash', '=', codeHash)
      .forUpdate()
      .executeTakeFirst();
  },

  async markAccepted(trx: Transaction<Database>, id: string, userId: string, at: Date) {
    await trx
      .updateTable('organization_invitations')
      .set({ accepted_at: at, accepted_by: userId, mail_code: null })
      .where('id', '=', id)
      .execute();
  },

  /**
   * The plaintext code of a pending, unexpired invitation, cleared from its row as it is taken
   * (for the mail consumer, in its transaction).
   */
  async takeMailCode(trx: Transaction<Database>, id: string): Promise<string | undefined> {
    const row = await trx
      .selectFrom('organization_invitations')
      .select([
        'mail_code',
        sql<boolean>`accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`.as('live'),
      ])
      .where('id', '=', id)
      .where('mail_code', 'is not', null)
      .forUpdate()
      .executeTakeFirst();
    if (!row?.mail_code) return undefined;
    await trx
      .updateTable('organization_invitations')
      .set({ mail_code: null })
      .where('id', '=', id)
      .execute();
    return row.live ? row.mail_code : undefined;
  },

  userById(db: Db, id: string) {
    return db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'email_verified_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  },
};
