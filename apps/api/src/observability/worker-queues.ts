import { consumerQueueName } from '@evently/platform';
import { RETENTION_QUEUE } from '../jobs/retention.job.js';
import { ANALYTICS_CONSUMER } from '../modules/analytics/analytics.consumer.js';
import { ANALYTICS_JOBS_QUEUE } from '../modules/analytics/analytics.worker.js';
import { MAIL_JOBS_QUEUE } from '../modules/notifications/event-reminders.job.js';
import { MAIL_CONSUMER_NAME } from '../modules/notifications/mail/mail.consumer.js';

/**
 * Every queue the worker runtime serves: /metrics reports the depth of these. A new consumer or
 * job queue belongs here too (metrics.test.ts fails while one the runtime serves is missing).
 */
export const WORKER_QUEUES: readonly string[] = [
  consumerQueueName(MAIL_CONSUMER_NAME),
  consumerQueueName('bookings'),
  consumerQueueName(ANALYTICS_CONSUMER),
  'jobs.bookings',
  'jobs.events',
  MAIL_JOBS_QUEUE,
  ANALYTICS_JOBS_QUEUE,
  RETENTION_QUEUE,
];
