export { type Consumer, defineConsumer } from './outbox/consumer.js';
export { createWorker, type CreateWorkerOptions, type Schedule, type Worker } from './create-worker.js';
export { startWorkerRuntime, type WorkerRuntime } from './runtime.js';
