import { eventDetailSchema, eventDetailShape, eventStatsSchema } from '@evently/contracts';
import { z } from 'zod';

/** The pub/sub channel every live update is broadcast on (one channel: one global order). */
export const LIVE_CHANNEL = 'analytics.live';

/** A live update as broadcast and as stored in analytics_live_updates. */
export const liveMessageSchema = z.object({
  /** The update's number in commit order (int8 as a decimal string). */
  seq: z.string().regex(/^\d{1,19}$/),
  eventId: z.uuid(),
  /** The organization owning the event: whose members' streams carry it. */
  organizationId: z.uuid(),
  stats: eventStatsSchema,
  /**
   * What a one-event stream adds: every type, quota and check-in list, and the vouchers this
   * update moved. Streams of several events leave it out. Updates logged before check-in lists
   * were counted (or by an older worker during a deploy) have none.
   */
  detail: eventDetailSchema.extend({ checkins: eventDetailShape.checkins.optional() }).optional(),
  /** Only the detail moved (a hold): streams of several events skip it. */
  detailOnly: z.literal(true).optional(),
});
export type LiveMessage = z.infer<typeof liveMessageSchema>;

/** Updates are broadcast in batches: a projection transaction's updates in one message. */
export const LIVE_BROADCAST_MAX = 500;

/** A broadcast: a batch of updates in number order, or (older publishers) a single update. */
export const liveBroadcastSchema = z.union([
  z.object({ updates: z.array(liveMessageSchema) }).transform((b) => b.updates),
  liveMessageSchema.transform((update) => [update]),
]);
