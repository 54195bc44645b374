export {
  type CreateWorkerOptions,
  createWorker,
  type Schedule,
  type Worker,
} from './create-worker.js';
export { type Consumer, type ConsumerDefinition, defineConsumer } from './outbox/consumer.js';
export { startWorkerRuntime, type WorkerRuntime } from './runtime.js';
