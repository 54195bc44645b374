import type { AppRouter } from '@evently/api';
import { createEventlyClient, isEventlyError, type TokenStore } from '@evently/sdk';
import { QueryClient } from '@tanstack/react-query';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import { EventSource } from 'eventsource';

/** The session's tokens, kept across reloads in this browser (signed out: removed). */
function localStorageStore(key: string): TokenStore {
  return {
    get() {
      const raw = localStorage.getItem(key);
      if (!raw) return null;
      try {
        return JSON.parse(raw);
      } catch {
        return null;
      }
    },
    set(tokens) {
      if (tokens) localStorage.setItem(key, JSON.stringify(tokens));
      else localStorage.removeItem(key);
    },
  };
}

/** Listeners told when the session ends without the user asking (revoked, refresh failed). */
const signedOutListeners = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/**
 * The SDK's client, on the origin the console is served from (the API serves it at /console;
 * Vite's dev server passes /trpc on). The session refreshes itself; typed errors come back.
 * Live streams go through the `eventsource` package's EventSource, which connects with fetch:
 * a browser's own sends no Authorization header, so a stream that needs the caller
 * (`analytics.live`, a draft's `seating.live`) would be refused; with it every (re)connection
 * carries the session's current bearer.
 */
export const evently = createEventlyClient({
  url: window.location.origin,
  EventSource,
  auth: {
    store: localStorageStore('evently.console.session'),
    onSignedOut: () => {
      for (const listener of signedOutListeners) listener();
    },
  },
});

/** An answer the API refused is not retried (it would be refused again); a network blip is. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      retry: (failures, error) => !isEventlyError(error) && failures < 2,
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false },
  },
});

/** Query and mutation options of every procedure, typed from the router. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client: evently, queryClient });
