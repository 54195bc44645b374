import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

const ROLE_CHECK = sql`role IN ('owner', 'manager', 'staff', 'viewer')`;

/**
 * Organizations own events; users belong to them with a role. Every organizer so far (by role,
 * or by owning an event: a demoted user keeps theirs) gets a personal organization it owns, and
 * its events move there. `events.organizer_id` stays: it records who created the event.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`char_length(name) BETWEEN 1 AND 120`))
    .addColumn('slug', 'text', (c) =>
      c.notNull().unique().check(sql`slug ~ '^[a-z0-9]([a-z0-9-]{0,58}[a-z0-9])?$'`),
    )
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('organization_members')
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(ROLE_CHECK))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('organization_members_pkey', ['organization_id', 'user_id'])
    .execute();
  // "My organizations" reads by user; the primary key serves reads by organization.
  await db.schema
    .createIndex('organization_members_user_idx')
    .on('organization_members')
    .column('user_id')
    .execute();

  await db.schema
    .createTable('organization_invitations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    // Lower-cased so an invitation matches its account's email exactly.
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email)`))
    .addColumn('role', 'text', (c) => c.notNull().check(ROLE_CHECK))
    .addColumn('code_hash', 'text', (c) => c.notNull().unique())
    // The plaintext code only until its mail is rendered; then null.
    .addColumn('mail_code', 'text')
    .addColumn('invited_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('accepted_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  // An organization's invitations are listed newest first.
  await db.schema
    .createIndex('organization_invitations_org_idx')
    .on('organization_invitations')
    .columns(['organization_id', 'created_at'])
    .execute();

  await sql`ALTER TABLE events ADD COLUMN organization_id uuid REFERENCES organizations (id)`.execute(
    db,
  );
  // The slug is derived from the user id, so the events below find their organization by it.
  // A blank name falls back to the email's local part (and that, if empty, to the email).
  await sql`
    WITH orgs AS (
      INSERT INTO organizations (name, slug, created_by, created_at, updated_at)
      SELECT left(coalesce(nullif(btrim(u.name), ''), nullif(split_part(u.email, '@', 1), ''),
          u.email), 120),
        'u-' || replace(u.id::text, '-', ''), u.id, u.created_at, u.created_at
      FROM users u
      WHERE u.role = 'organizer' OR EXISTS (SELECT 1 FROM events e WHERE e.organizer_id = u.id)
      RETURNING id, created_by, created_at
    )
    INSERT INTO organization_members (organization_id, user_id, role, joined_at)
    SELECT id, created_by, 'owner', created_at FROM orgs`.execute(db);
  await sql`
    UPDATE events e SET organization_id = o.id
    FROM organizations o
    WHERE o.slug = 'u-' || replace(e.organizer_id::text, '-', '')`.execute(db);
  await sql`ALTER TABLE events ALTER COLUMN organization_id SET NOT NULL`.execute(db);
  // Organization event lists page by (starts_at, id), like the organizer's.
  await db.schema
    .createIndex('events_organization_idx')
    .on('events')
    .columns(['organization_id', 'starts_at', 'id'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('events_organization_idx').execute();
  await sql`ALTER TABLE events DROP COLUMN organization_id`.execute(db);
  await db.schema.dropTable('organization_invitations').execute();
  await db.schema.dropTable('organization_members').execute();
  await db.schema.dropTable('organizations').execute();
}
