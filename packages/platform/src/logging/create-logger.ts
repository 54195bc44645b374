import { type Logger, pino } from 'pino';

/**
 * Paths never written to a log: tokens, passwords, OTP codes, hashes. A belt to the braces of
 * never passing them to a logger in the first place.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.code',
  '*.hash',
  '*.secret',
];

export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}
