import type { AppCode } from '@evently/contracts';
import type { z } from 'zod';

/**
 * The one error type services throw. Its `appCode` reaches the client as `data.appCode`; its
 * message must be safe to show (no SQL, no secrets); `details` carries structured extras such as
 * `retryAfterSeconds`; `issues` (VALIDATION_FAILED) reach the client as `data.zodIssues`, as
 * the boundary's own validation errors do.
 */
export class AppError extends Error {
  constructor(
    readonly appCode: AppCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly issues?: z.core.$ZodIssue[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}
