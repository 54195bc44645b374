import pg from 'pg';

/**
 * Called with each notification's payload, and with `undefined` once a lost LISTEN connection
 * is back: notifications sent meanwhile were missed, so the listener should look for work.
 */
export type NotifyHandler = (payload: string | undefined) => void;

export interface ListenEvents {
  /** The connection is lost or cannot be made; it keeps trying until stopped. Once per loss. */
  onLost?(error: Error): void;
}

export interface ListenBackoff {
  /** The first wait before reconnecting. Default 250 ms. */
  initialMs: number;
  /** No wait is longer than this. Default 5 s. */
  maxMs: number;
}

const DEFAULT_BACKOFF: ListenBackoff = { initialMs: 250, maxMs: 5_000 };

/**
 * LISTEN on a connection of its own (outside the pool) that survives the server going away:
 * a connection that ends or errors — a Postgres restart (57P01), a stop of any length, a
 * network cut — is replaced with backoff, LISTENs again and wakes the handler (`undefined`),
 * until `stop()`. Errors never surface as an unhandled 'error' event.
 *
 * Resolves once listening, or — if the first attempt fails — once that failure was reported to
 * `onLost` (it keeps trying in the background). Resolves a function that stops listening.
 */
export async function listenResiliently(
  connectionString: string,
  channel: string,
  handler: NotifyHandler,
  events: ListenEvents = {},
  backoff: ListenBackoff = DEFAULT_BACKOFF,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let lost = false;

  function reportLost(error: Error): void {
    if (lost || stopped) return;
    lost = true;
    events.onLost?.(error);
  }

  function scheduleReconnect(): void {
    if (stopped || timer) return;
    const wait = Math.min(backoff.maxMs, backoff.initialMs * 2 ** failures);
    failures += 1;
    // Jitter, so the processes of a deployment do not reconnect in lockstep.
    timer = setTimeout(
      () => {
        timer = undefined;
        void connect().then((ok) => {
          if (ok) handler(undefined);
        });
      },
      wait * (0.5 + Math.random() / 2),
    );
  }

  /** One attempt; true once listening. On failure, reports it and schedules the next one. */
  async function connect(): Promise<boolean> {
    const client = new pg.Client({ connectionString, keepAlive: true });
    let settled = false;
    const onGone = (error: Error) => {
      // One client, one loss: its 'error' is usually followed by 'end'.
      if (settled) return;
      settled = true;
      if (current === client) current = undefined;
      client.end().catch(() => {});
      reportLost(error);
      scheduleReconnect();
    };
    client.on('error', onGone);
    client.on('end', () => onGone(new Error('Connection terminated: the LISTEN connection ended')));
    client.on('notification', (message) => {
      if (message.channel === channel) handler(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      onGone(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (stopped || settled) {
      await client.end().catch(() => {});
      return false;
    }
    current = client;
    failures = 0;
    lost = false;
    return true;
  }

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    timer = undefined;
    const client = current;
    current = undefined;
    await client?.end().catch(() => {});
  };
}
