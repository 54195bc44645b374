import { EventEmitter } from 'node:events';
import type { PubSubPort } from './pubsub.port.js';
import { type HandlerErrorReporter, warnOnHandlerError } from './pubsub-options.js';

export interface MemoryPubSubOptions {
  onHandlerError?: HandlerErrorReporter;
}

/**
 * Pub/sub inside one process (embedded mode). Delivery is asynchronous and in publish order,
 * like Redis, so a handler never runs inside the publisher's call stack.
 */
export function createMemoryPubSub(options: MemoryPubSubOptions = {}): PubSubPort {
  const onHandlerError = options.onHandlerError ?? warnOnHandlerError;
  const emitter = new EventEmitter();
  // Every SSE client is a listener: no leak warning at 10.
  emitter.setMaxListeners(0);

  return {
    async publish(channel, message) {
      queueMicrotask(() => emitter.emit(channel, message));
    },

    async subscribe(channel, handler) {
      const listener = (message: string) => {
        try {
          handler(message);
        } catch (error) {
          onHandlerError(error, channel);
        }
      };
      emitter.on(channel, listener);
      return async () => {
        emitter.off(channel, listener);
      };
    },

    async close() {
      emitter.removeAllListeners();
    },
  };
}
