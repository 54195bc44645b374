import type { Database, TicketPublicJwk } from '@evently/db';
import type { Kysely } from 'kysely';

/** Every SQL statement on `ticket_signing_keys`. */
export const ticketKeysRepository = {
  /** Records a key's public half (and, for the embedded mode's own key, its private one) once. */
  async register(
    db: Kysely<Database>,
    kid: string,
    publicJwk: TicketPublicJwk,
    privatePkcs8: string | null,
  ): Promise<void> {
    await db
      .insertInto('ticket_signing_keys')
      .values({ kid, public_jwk: JSON.stringify(publicJwk), private_pkcs8: privatePkcs8 })
      .onConflict((oc) => oc.column('kid').doNothing())
      .execute();
  },

  /** The keys codes may be verified with: every one not revoked. */
  live(db: Kysely<Database>): Promise<Array<{ kid: string; public_jwk: TicketPublicJwk }>> {
    return db
      .selectFrom('ticket_signing_keys')
      .select(['kid', 'public_jwk'])
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .execute();
  },

  /** The newest key the embedded mode made for itself and did not revoke (its PKCS#8 PEM). */
  async newestEmbedded(db: Kysely<Database>): Promise<string | undefined> {
    const row = await db
      .selectFrom('ticket_signing_keys')
      .select('private_pkcs8')
      .where('private_pkcs8', 'is not', null)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.private_pkcs8 ?? undefined;
  },
};
