import type { PubSubPort, Unsubscribe } from '@evently/platform';
import { z } from 'zod';

/** The pub/sub channel on which a session's state change (revoked, role, active) is announced. */
export const SESSION_CHANGES_CHANNEL = 'auth.session-changes';

/** Ids per message: deactivating a user with many sessions stays a few small messages. */
const PER_MESSAGE = 500;

const messageSchema = z.object({ sessionIds: z.array(z.string().min(1).max(128)).min(1) });

/**
 * Tells every instance that sessions changed, so the long-lived streams opened with them check
 * their access again at once (requests need no message: they read the state on every call).
 */
export interface SessionChanges {
  /** Call after the change committed and the cached states were forgotten. */
  publish(sessionIds: readonly string[]): Promise<void>;
  /** `onChange` runs whenever a change of `sessionId` is published by any instance. */
  watch(sessionId: string, onChange: () => void): Promise<() => void>;
  /** Drops the process's subscription (shutdown). */
  close(): Promise<void>;
}

/** One subscription per process (made on the first watch), fanned out by session id. */
export function createSessionChanges(deps: {
  pubsub: PubSubPort;
  log: { warn(obj: object, msg?: string): void };
}): SessionChanges {
  const watchers = new Map<string, Set<() => void>>();
  let subscribed: Promise<Unsubscribe> | undefined;

  const deliver = (raw: string) => {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      message = undefined;
    }
    const parsed = messageSchema.safeParse(message);
    if (!parsed.success) {
      deps.log.warn({}, 'malformed session change message ignored');
      return;
    }
    for (const id of parsed.data.sessionIds) {
      for (const onChange of watchers.get(id) ?? []) onChange();
    }
  };

  const subscribe = () => {
    subscribed ??= deps.pubsub.subscribe(SESSION_CHANGES_CHANNEL, deliver).catch((error) => {
      subscribed = undefined;
      throw error;
    });
    return subscribed;
  };

  return {
    async publish(sessionIds) {
      for (let i = 0; i < sessionIds.length; i += PER_MESSAGE) {
        const chunk = sessionIds.slice(i, i + PER_MESSAGE);
        await deps.pubsub.publish(SESSION_CHANGES_CHANNEL, JSON.stringify({ sessionIds: chunk }));
      }
    },

    async watch(sessionId, onChange) {
      await subscribe();
      // A wrapper of our own: the same callback watched twice is two watches.
      const watcher = () => onChange();
      let set = watchers.get(sessionId);
      if (!set) {
        set = new Set();
        watchers.set(sessionId, set);
      }
      set.add(watcher);
      return () => {
        const current = watchers.get(sessionId);
        current?.delete(watcher);
        if (current?.size === 0) watchers.delete(sessionId);
      };
    },

    async close() {
      const current = subscribed;
      subscribed = undefined;
      watchers.clear();
      const unsubscribe = await current?.catch(() => undefined);
      await unsubscribe?.();
    },
  };
}
