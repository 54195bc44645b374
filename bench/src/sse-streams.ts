import { type ClientRequest, request } from 'node:http';

/** Open `analytics.live` SSE streams, as an organizer's dashboards would hold them. */
export interface OpenStreams {
  /** Streams whose server answered 200 with an event stream. */
  open: number;
  close(): void;
}

/**
 * Opens `count` SSE streams of `analytics.live` for `eventId`, spread over `urls` in turn, each
 * on its own socket (an EventSource per browser tab), and resolves once every one has answered
 * (or `timeoutMs` passed). The streams stay open until `close()`.
 */
export async function openLiveStreams(options: {
  urls: string[];
  accessToken: string;
  eventId: string;
  count: number;
  timeoutMs?: number;
}): Promise<OpenStreams> {
  const requests: ClientRequest[] = [];
  const input = encodeURIComponent(JSON.stringify({ eventId: options.eventId }));
  const answered = Array.from({ length: options.count }, (_, i) => {
    const url = new URL(
      `/trpc/analytics.live?input=${input}`,
      options.urls[i % options.urls.length] ?? '',
    );
    return new Promise<boolean>((resolve) => {
      const req = request(
        url,
        {
          headers: {
            accept: 'text/event-stream',
            authorization: `Bearer ${options.accessToken}`,
          },
          // One socket per stream, as separate browsers would open them.
          agent: false,
        },
        (res) => {
          res.on('data', () => {});
          res.on('error', () => {});
          resolve(
            res.statusCode === 200 &&
              (res.headers['content-type'] ?? '').startsWith('text/event-stream'),
          );
        },
      );
      req.on('error', () => resolve(false));
      req.end();
      requests.push(req);
    });
  });
  const timeout = new Promise<'timeout'>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? 60_000);
    timer.unref();
  });
  const settled = await Promise.race([Promise.all(answered), timeout]);
  return {
    open: settled === 'timeout' ? 0 : settled.filter(Boolean).length,
    close() {
      for (const req of requests) req.destroy();
    },
  };
}
