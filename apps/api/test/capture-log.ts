import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/** A real pino logger whose JSON lines are kept for assertions. */
export function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return {
    log: pino({ level: 'debug' }, stream),
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A logger that writes nothing, for code under test whose logs no test reads. */
export const silentLog: Logger = pino({ level: 'silent' });
