import type { Database, PaymentsTable, RefundsTable } from '@evently/db';
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export type PaymentRow = Selectable<PaymentsTable>;
export type RefundRow = Selectable<RefundsTable>;

/** Every SQL statement on `payments`, `refunds` and `stripe_events`. */
export const paymentsRepository = {
  insertPayment(trx: Transaction<Database>, row: Insertable<PaymentsTable>): Promise<PaymentRow> {
    return trx.insertInto('payments').values(row).returningAll().executeTakeFirstOrThrow();
  },

  /** A booking's payments, oldest first. */
  paymentsOf(db: Db, bookingId: string): Promise<PaymentRow[]> {
    return db
      .selectFrom('payments')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .orderBy('at')
      .orderBy('id')
      .execute();
  },

  /** The same, locked: refunds are taken from them (no two refunds of the same money). */
  lockPaymentsOf(trx: Transaction<Database>, bookingId: string): Promise<PaymentRow[]> {
    return trx
      .selectFrom('payments')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .orderBy('at')
      .orderBy('id')
      .forUpdate()
      .execute();
  },

  /** Gives `cents` of a payment back (its CHECK refuses more than it brought). */
  async takeRefunded(trx: Transaction<Database>, paymentId: string, cents: number) {
    await trx
      .updateTable('payments')
      .set({ refunded_cents: sql<string>`refunded_cents + ${cents}` })
      .where('id', '=', paymentId)
      .execute();
  },

  insertRefund(trx: Transaction<Database>, row: Insertable<RefundsTable>): Promise<RefundRow> {
    return trx.insertInto('refunds').values(row).returningAll().executeTakeFirstOrThrow();
  },

  refundsOf(db: Db, bookingId: string): Promise<RefundRow[]> {
    return db
      .selectFrom('refunds')
      .selectAll()
      .where('booking_id', '=', bookingId)
      .orderBy('requested_at')
      .orderBy('id')
      .execute();
  },

  findRefund(db: Db, id: string): Promise<RefundRow | undefined> {
    return db.selectFrom('refunds').selectAll().where('id', '=', id).executeTakeFirst();
  },

  lockRefund(trx: Transaction<Database>, id: string): Promise<RefundRow | undefined> {
    return trx
      .selectFrom('refunds')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  /** An event's refunds, newest first, after a keyset cursor. */
  listRefunds(
    db: Db,
    query: {
      eventId: string;
      status?: RefundRow['status'] | undefined;
      after?: { requestedAt: string; id: string } | undefined;
      limit: number;
    },
  ): Promise<RefundRow[]> {
    let q = db.selectFrom('refunds').selectAll().where('event_id', '=', query.eventId);
    if (query.status) q = q.where('status', '=', query.status);
    const after = query.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('requested_at', '<', new Date(after.requestedAt)),
          eb.and([eb('requested_at', '=', new Date(after.requestedAt)), eb('id', '<', after.id)]),
        ]),
      );
    }
    return q.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  },

  /** Ends a refund still in one of `from`; undefined when it had moved on. */
  completeRefund(
    trx: Transaction<Database>,
    id: string,
    from: RefundRow['status'][],
    end: Pick<RefundRow, 'status' | 'reference' | 'completed_at' | 'last_error'>,
  ): Promise<RefundRow | undefined> {
    return trx
      .updateTable('refunds')
      .set(end)
      .where('id', '=', id)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
  },

  /** Stripe refunds not issued yet, requested before `before` (the worker's pass). */
  pendingStripeRefunds(db: Db, before: Date, limit: number): Promise<{ id: string }[]> {
    return db
      .selectFrom('refunds')
      .select('id')
      .where('status', '=', 'pending')
      .where('provider', '=', 'stripe')
      .where('requested_at', '<', before)
      .orderBy('requested_at')
      .limit(limit)
      .execute();
  },

  /**
   * Claims a Stripe event id: false when it was handled before (or is being handled by a
   * concurrent delivery, whose transaction this one waits for).
   */
  async claimStripeEvent(
    trx: Transaction<Database>,
    event: { id: string; type: string; outcome: string; at: Date },
  ): Promise<boolean> {
    const row = await trx
      .insertInto('stripe_events')
      .values({ id: event.id, type: event.type, outcome: event.outcome, received_at: event.at })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  },

  async setStripeOutcome(trx: Transaction<Database>, id: string, outcome: string) {
    await trx.updateTable('stripe_events').set({ outcome }).where('id', '=', id).execute();
  },

  findPayment(db: Db, id: string): Promise<PaymentRow | undefined> {
    return db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** A Stripe refund Stripe has not settled yet: its id kept, asked again later. */
  async noteStripeRefund(db: Db, id: string, reference: string) {
    await db.updateTable('refunds').set({ reference }).where('id', '=', id).execute();
  },

  findStripePayment(db: Db, paymentIntentId: string): Promise<PaymentRow | undefined> {
    return db
      .selectFrom('payments')
      .selectAll()
      .where('provider', '=', 'stripe')
      .where('reference', '=', paymentIntentId)
      .executeTakeFirst();
  },
};
