// Where a booking's way to analytics.live spends its time: the worker runtime's queue and pub/sub
// ports are wrapped so each analytics job's hand-over, start and end, and each live update's
// publish, are timestamped in this process; the outbox gives each event's append instant. All
// instants are epoch milliseconds of this machine's clock (Postgres runs on the same one).
import { loadavg } from 'node:os';
import type { Database } from '@evently/db';
import type {
  JobHandler,
  Platform,
  PubSubPort,
  QueuePort,
  RedisClient,
  WorkerOptions,
} from '@evently/platform';
import type { Kysely } from 'kysely';

export const epochNow = (): number => performance.timeOrigin + performance.now();

const ANALYTICS_QUEUE = 'consumer.analytics';

export interface JobTimes {
  relayed?: number;
  started?: number;
  finished?: number;
}

export interface StageRecorder {
  /** The platform the worker runtime gets: the same ports, timed. */
  platform: Platform;
  /** Per outbox id: when its analytics job was handed to the queue, started, finished. */
  jobs: Map<string, JobTimes>;
  /** Per event id: when each `ticketsSold` value was first published. */
  published: Map<string, Map<number, number>>;
}

/** The event and seats sold of each update a live broadcast carries (one or a batch). */
function soldOf(message: string): Array<{ eventId: string; sold: number }> {
  const value: unknown = JSON.parse(message);
  if (typeof value !== 'object' || value === null) return [];
  const { updates } = value as { updates?: unknown };
  const list: unknown[] = Array.isArray(updates) ? updates : [value];
  return list.flatMap((update) => {
    const { eventId, stats } = update as { eventId?: unknown; stats?: { ticketsSold?: unknown } };
    const sold = stats?.ticketsSold;
    return typeof eventId === 'string' && typeof sold === 'number' ? [{ eventId, sold }] : [];
  });
}

/** The outbox ids a delivery job carries: its one event's, or each of a batch job's. */
function eventIdsOf(data: unknown): string[] {
  if (typeof data !== 'object' || data === null) return [];
  const { id, events } = data as { id?: unknown; events?: unknown };
  if (Array.isArray(events)) return events.flatMap((event) => eventIdsOf(event));
  return typeof id === 'string' ? [id] : [];
}

function timedQueue(queue: QueuePort, jobs: Map<string, JobTimes>): QueuePort {
  const times = (id: string) => {
    let t = jobs.get(id);
    if (!t) {
      t = {};
      jobs.set(id, t);
    }
    return t;
  };
  return {
    ...queue,
    add: (name, job) => queue.add(name, job),
    async addBulk(name, list) {
      await queue.addBulk(name, list);
      if (name !== ANALYTICS_QUEUE) return;
      const at = epochNow();
      for (const job of list) for (const id of eventIdsOf(job.data)) times(id).relayed ??= at;
    },
    process<T>(name: string, handler: JobHandler<T>, options?: WorkerOptions) {
      if (name !== ANALYTICS_QUEUE) return queue.process(name, handler, options);
      return queue.process<T>(
        name,
        async (job) => {
          const ids = eventIdsOf(job.data);
          const started = epochNow();
          for (const id of ids) times(id).started ??= started;
          await handler(job);
          const finished = epochNow();
          for (const id of ids) times(id).finished ??= finished;
        },
        options,
      );
    },
    repeat: (name, job, everyMs) => queue.repeat(name, job, everyMs),
    counts: (name) => queue.counts(name),
    close: () => queue.close(),
  };
}

/** Notes when each (event, seats sold) of a live broadcast was first seen. */
export function notePublished(
  published: StageRecorder['published'],
  message: string,
  at: number,
): void {
  for (const update of soldOf(message)) {
    let sold = published.get(update.eventId);
    if (!sold) {
      sold = new Map();
      published.set(update.eventId, sold);
    }
    if (!sold.has(update.sold)) sold.set(update.sold, at);
  }
}

function timedPubSub(pubsub: PubSubPort, published: StageRecorder['published']): PubSubPort {
  return {
    async publish(channel, message) {
      const at = epochNow();
      await pubsub.publish(channel, message);
      notePublished(published, message, at);
    },
    subscribe: (channel, handler) => pubsub.subscribe(channel, handler),
    close: () => pubsub.close(),
  };
}

/**
 * The analytics jobs' instants as BullMQ kept them (completed jobs stay in Redis for a while):
 * for a worker in another process. `timestamp` is when the relay created the job (just before
 * its addBulk, not after it as in recordStages), `processedOn` and `finishedOn` the worker's.
 */
export async function jobTimesFromRedis(
  redis: RedisClient,
  /** The deployment's key prefix (`<REDIS_PREFIX>:`). */
  keyPrefix: string,
): Promise<Map<string, JobTimes>> {
  const jobs = new Map<string, JobTimes>();
  const pattern = `${keyPrefix}bull:${ANALYTICS_QUEUE}:*`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      // The queue's own keys (wait, completed, meta…) are lists, sets and other hashes.
      if ((await redis.type(key)) !== 'hash') continue;
      const fields = await redis.hmget(key, 'data', 'timestamp', 'processedOn', 'finishedOn');
      const [data, created, processed, finished] = fields;
      if (!data || !created) continue;
      const times: JobTimes = {
        relayed: Number(created),
        ...(processed ? { started: Number(processed) } : {}),
        ...(finished ? { finished: Number(finished) } : {}),
      };
      for (const id of eventIdsOf(JSON.parse(data) as unknown)) jobs.set(id, times);
    }
  } while (cursor !== '0');
  return jobs;
}

export function recordStages(platform: Platform): StageRecorder {
  const jobs = new Map<string, JobTimes>();
  const published = new Map<string, Map<number, number>>();
  return {
    platform: {
      ...platform,
      queue: timedQueue(platform.queue, jobs),
      pubsub: timedPubSub(platform.pubsub, published),
    },
    jobs,
    published,
  };
}

/** One booking's way, epoch ms; undefined where that stage was not seen. */
export interface BookingTrace {
  appended: number;
  answered: number | undefined;
  relayed: number | undefined;
  started: number | undefined;
  finished: number | undefined;
  published: number | undefined;
  received: number | undefined;
}

export interface StageRow {
  stage: string;
  n: number;
  'p50 ms': number;
  'p90 ms': number;
  'p99 ms': number;
  'max ms': number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const round = (ms: number) => Math.round(ms * 10) / 10;

/** p50/p90/p99 of each stage over the traces that saw both of its ends. */
export function stageTable(traces: readonly BookingTrace[]): StageRow[] {
  const stages: Array<[string, keyof BookingTrace, keyof BookingTrace]> = [
    ['commit -> answered (booking call returns)', 'appended', 'answered'],
    ['commit -> relayed (addBulk done)', 'appended', 'relayed'],
    ['relayed -> job started', 'relayed', 'started'],
    ['job started -> published (batch committed)', 'started', 'published'],
    ['job started -> job finished', 'started', 'finished'],
    ['published -> SSE received', 'published', 'received'],
    ['commit -> published', 'appended', 'published'],
    ['commit -> SSE received', 'appended', 'received'],
    ['answered -> SSE received (freshness)', 'answered', 'received'],
  ];
  return stages.map(([stage, from, to]) => {
    const spans = traces
      .flatMap((t) => {
        const a = t[from];
        const b = t[to];
        return a === undefined || b === undefined ? [] : [Math.max(0, b - a)];
      })
      .sort((x, y) => x - y);
    return {
      stage,
      n: spans.length,
      'p50 ms': round(percentile(spans, 50)),
      'p90 ms': round(percentile(spans, 90)),
      'p99 ms': round(percentile(spans, 99)),
      'max ms': round(spans.at(-1) ?? Number.NaN),
    };
  });
}

/** The first publish that showed each seat of an event (index = seat). */
function seatsPublished(sold: ReadonlyMap<number, number>): number[] {
  const seats: number[] = [];
  for (const [count, at] of [...sold].sort((a, b) => a[0] - b[0])) {
    for (let seat = seats.length; seat < count; seat++) seats[seat] = at;
  }
  return seats;
}

/**
 * One trace per `booking.confirmed` in the outbox (free bookings: the event that sells the seat).
 * An event's n-th confirmation in outbox order is taken as its n-th seat shown.
 */
export async function traceBookings(
  db: Kysely<Database>,
  /**
   * The worker's instants (`published` alone when the worker runs in another process: seen on
   * the Redis channel by this one); without them only the commit and the two ends.
   */
  stages: Partial<Pick<StageRecorder, 'jobs' | 'published'>> | undefined,
  answered: ReadonlyMap<string, number>,
  received: ReadonlyMap<string, readonly number[]>,
): Promise<BookingTrace[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'payload', 'occurred_at'])
    .where('topic', '=', 'booking.confirmed')
    .orderBy('seq')
    .execute();
  const seatOf = new Map<string, number>();
  const published = new Map<string, number[]>();
  for (const [eventId, sold] of stages?.published ?? [])
    published.set(eventId, seatsPublished(sold));
  return rows.flatMap((row) => {
    const { bookingId, eventId } = row.payload as { bookingId?: string; eventId?: string };
    if (bookingId === undefined || eventId === undefined) return [];
    const seat = seatOf.get(eventId) ?? 0;
    seatOf.set(eventId, seat + 1);
    const job = stages?.jobs?.get(row.id) ?? {};
    return [
      {
        appended: row.occurred_at.getTime(),
        answered: answered.get(bookingId),
        relayed: job.relayed,
        started: job.started,
        finished: job.finished,
        published: published.get(eventId)?.[seat],
        received: received.get(eventId)?.[seat],
      },
    ];
  });
}

/** The 1, 5 and 15-minute load averages, for the report beside each figure. */
export function uptimeLoad(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/**
 * The same spans by second of the run (by commit time): a lag that grows second after second is
 * a backlog (a stage slower than the load), a flat one a fixed cost.
 */
export function stageTimeline(traces: readonly BookingTrace[]): Array<Record<string, number>> {
  const first = Math.min(...traces.map((t) => t.appended));
  const bySecond = new Map<number, BookingTrace[]>();
  for (const t of traces) {
    const second = Math.floor((t.appended - first) / 1000);
    bySecond.set(second, [...(bySecond.get(second) ?? []), t]);
  }
  const p50 = (list: readonly BookingTrace[], from: keyof BookingTrace, to: keyof BookingTrace) => {
    const spans = list
      .flatMap((t) => {
        const a = t[from];
        const b = t[to];
        return a === undefined || b === undefined ? [] : [b - a];
      })
      .sort((x, y) => x - y);
    return round(percentile(spans, 50));
  };
  return [...bySecond]
    .sort((a, b) => a[0] - b[0])
    .map(([second, list]) => ({
      second,
      bookings: list.length,
      'relay p50': p50(list, 'appended', 'relayed'),
      'queue p50': p50(list, 'relayed', 'started'),
      'batch p50': p50(list, 'started', 'published'),
      'stream p50': p50(list, 'published', 'received'),
      'commit -> SSE p50': p50(list, 'appended', 'received'),
    }));
}
