import type { Logger } from 'pino';

/**
 * On the first SIGTERM or SIGINT, runs `stop` and exits 0 (1 if it fails). A stuck dependency
 * cannot keep the process alive: after `timeoutMs` it exits 1.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>, timeoutMs = 20_000): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
