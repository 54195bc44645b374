import type { AppCode } from '@evently/contracts';

/**
 * The one error type services throw. Its `appCode` reaches the client as `data.appCode`; its
 * message must be safe to show (no SQL, no secrets); `details` carries structured extras such as
 * `retryAfterSeconds`.
 */
export class AppError extends Error {
  constructor(
    readonly appCode: AppCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
