import { consumerQueueName } from '@evently/platform';
import { MAIL_JOBS_QUEUE } from '../modules/notifications/event-reminders.job.js';
import { MAIL_CONSUMER_NAME } from '../modules/notifications/mail/mail.consumer.js';

/**
 * Every queue the worker runtime serves: /metrics reports the depth of these. A new consumer or
 * job queue belongs here too (metrics.test.ts checks the consumers of `createConsumers`).
 */
export const WORKER_QUEUES: readonly string[] = [
  consumerQueueName(MAIL_CONSUMER_NAME),
  consumerQueueName('bookings'),
  'jobs.bookings',
  'jobs.events',
  MAIL_JOBS_QUEUE,
];
