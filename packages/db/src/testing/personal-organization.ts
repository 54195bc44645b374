import { type Kysely, sql } from 'kysely';
import type { Database } from '../database.js';

/**
 * For fixtures and seeds that write events directly: the personal organization of `userId`
 * (as the organizations migration names it), made with the user as its owner when missing.
 */
export async function personalOrganization(db: Kysely<Database>, userId: string): Promise<string> {
  const slug = `u-${userId.replaceAll('-', '')}`;
  const { rows } = await sql<{ id: string }>`
    WITH made AS (
      INSERT INTO organizations (name, slug, created_by)
      SELECT coalesce(nullif(btrim(name), ''), split_part(email, '@', 1)), ${slug}, id
      FROM users WHERE id = ${userId}
      ON CONFLICT (slug) DO NOTHING
      RETURNING id
    ), owner AS (
      INSERT INTO organization_members (organization_id, user_id, role)
      SELECT id, ${userId}, 'owner' FROM made
    )
    SELECT id FROM made UNION ALL SELECT id FROM organizations WHERE slug = ${slug}`.execute(db);
  const id = rows[0]?.id;
  if (!id) throw new Error(`no user ${userId} to own an organization`);
  return id;
}
