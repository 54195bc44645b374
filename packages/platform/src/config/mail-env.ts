import { z } from 'zod';
import { optional, urlWithProtocols } from './env-fields.js';

/** Outgoing mail: the API (embedded mode) and the worker send it. */
export const mailEnvShape = {
  SMTP_URL: optional(urlWithProtocols(['smtp:', 'smtps:'], 'smtp://user:pass@host:587')),
  MAIL_FROM: z.string().min(3).default('Evently <no-reply@evently.local>'),
};
