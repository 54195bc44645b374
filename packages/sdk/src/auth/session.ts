import type { AppCode, TokenPair } from '@evently/contracts';
import { appCodeOf } from '../errors.js';
import { refreshDueAt } from './token-lifetime.js';
import { memoryTokenStore, type TokenStore } from './token-store.js';

/** Why the session ended without the user asking (or `logout` when they did). */
export type SignOutReason =
  | 'logout'
  | 'REFRESH_TOKEN_REUSED'
  | 'SESSION_REVOKED'
  | 'REFRESH_FAILED';

export interface AuthOptions {
  /** Where the token pair is kept (default: memory). */
  store?: TokenStore;
  /** Refresh this long before the access token expires (default 30 s). */
  refreshLeewaySeconds?: number;
  /** The session ended: the store is already cleared. */
  onSignedOut?: (reason: SignOutReason) => void;
  /** The clock refresh timing reads, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/** `client.session`: sign in and out; the client then sends the bearer and refreshes it. */
export interface EventlySession {
  /** `auth.login`; keeps the pair in the store and returns it. */
  login(credentials: { email: string; password: string }): Promise<TokenPair>;
  /** `auth.logout` on the server (when signed in), then clears the store. */
  logout(): Promise<void>;
  /** Uses a pair obtained elsewhere, or forgets the current one (`null`, no server call). */
  setTokens(tokens: TokenPair | null): Promise<void>;
  /** The current pair, or `null` when signed out. */
  tokens(): Promise<TokenPair | null>;
  /** Refreshes now (joining a refresh already under way); `null` when signed out. */
  refresh(): Promise<TokenPair | null>;
  /** Called whenever the pair changes (login, refresh, logout, sign-out); returns an unsubscribe. */
  onChange(listener: (tokens: TokenPair | null) => void): () => void;
}

/** The calls the session makes, through the client's own links. */
export interface SessionCalls {
  login(credentials: { email: string; password: string }): Promise<TokenPair>;
  refresh(refreshToken: string): Promise<TokenPair>;
  logout(): Promise<unknown>;
}

/** What the client's links use besides the public surface. */
export interface SessionEngine extends EventlySession {
  /** The access token to send now, refreshed first when due; `null` when signed out. */
  accessToken(): Promise<string | null>;
  /** The stored access token as it is, without refreshing. */
  currentAccessToken(): Promise<string | null>;
  /** The server refused `usedToken` as expired: a fresh token, one refresh for all callers. */
  afterExpired(usedToken: string): Promise<string | null>;
  /** The server said the session of `usedToken` is over. */
  afterRevoked(usedToken: string): Promise<void>;
}

/** Refresh answers that mean the session cannot go on. */
const SIGN_OUT_CODES: Partial<Record<AppCode, SignOutReason>> = {
  REFRESH_TOKEN_REUSED: 'REFRESH_TOKEN_REUSED',
  SESSION_REVOKED: 'SESSION_REVOKED',
  UNAUTHENTICATED: 'REFRESH_FAILED',
  ACCOUNT_DISABLED: 'REFRESH_FAILED',
  VALIDATION_FAILED: 'REFRESH_FAILED',
  FORBIDDEN: 'REFRESH_FAILED',
};

export function createSession(options: AuthOptions, calls: SessionCalls): SessionEngine {
  const store = options.store ?? memoryTokenStore();
  const leeway = options.refreshLeewaySeconds ?? 30;
  const listeners = new Set<(tokens: TokenPair | null) => void>();
  // The one refresh under way. Everyone who needs a refresh meanwhile waits for it: the server
  // treats a refresh token presented twice as stolen and ends the session.
  let inflight: Promise<TokenPair | null> | null = null;

  const write = async (tokens: TokenPair | null) => {
    await store.set(tokens);
    for (const listener of [...listeners]) listener(tokens);
  };

  /** Ends the session if it is still the one holding `refreshToken`. */
  const signOut = async (reason: SignOutReason, refreshToken: string) => {
    const current = await store.get();
    if (current?.refreshToken !== refreshToken) return;
    await write(null);
    options.onSignedOut?.(reason);
  };

  /**
   * Refreshes if, reading the store inside the flight, `needed(pair)` still holds: a caller that
   * read the store before another refresh finished then gets the new pair instead of presenting
   * a rotated refresh token.
   */
  const refreshIf = (needed: (pair: TokenPair) => boolean): Promise<TokenPair | null> => {
    inflight ??= (async () => {
      try {
        const pair = await store.get();
        if (!pair || !needed(pair)) return pair;
        let next: TokenPair;
        try {
          next = await calls.refresh(pair.refreshToken);
        } catch (error) {
          const code = appCodeOf(error);
          const reason = code && SIGN_OUT_CODES[code];
          if (reason) await signOut(reason, pair.refreshToken);
          throw error;
        }
        // Signed out or replaced (setTokens) while refreshing: theirs wins.
        const current = await store.get();
        if (current?.refreshToken !== pair.refreshToken) return current;
        await write(next);
        return next;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };

  const now = options.now ?? Date.now;
  const isDue = (pair: TokenPair) => refreshDueAt(pair, leeway) <= now();

  return {
    async login(credentials) {
      const pair = await calls.login(credentials);
      await write(pair);
      return pair;
    },
    async logout() {
      const pair = await store.get();
      if (!pair) return;
      let failure: unknown;
      try {
        await calls.logout();
      } catch (error) {
        // Already over on the server is as good as logged out; anything else is reported
        // after the local sign-out.
        const code = appCodeOf(error);
        if (!code || !SIGN_OUT_CODES[code]) failure = error;
      }
      await signOut('logout', pair.refreshToken);
      if (failure) throw failure;
    },
    setTokens: (tokens) => write(tokens),
    tokens: async () => store.get(),
    refresh: () => refreshIf(() => true),
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async accessToken() {
      const pair = await store.get();
      if (!pair) return null;
      if (!isDue(pair)) return pair.accessToken;
      try {
        return (await refreshIf(isDue))?.accessToken ?? null;
      } catch (error) {
        // Still signed in (a network failure, say): send the token we have; the server says
        // TOKEN_EXPIRED if it really is, and that path refreshes again.
        const current = await store.get();
        if (current) return current.accessToken;
        throw error;
      }
    },
    async currentAccessToken() {
      return (await store.get())?.accessToken ?? null;
    },
    async afterExpired(usedToken) {
      const pair = await refreshIf((current) => current.accessToken === usedToken);
      return pair?.accessToken ?? null;
    },
    async afterRevoked(usedToken) {
      const pair = await store.get();
      if (pair?.accessToken === usedToken) await signOut('SESSION_REVOKED', pair.refreshToken);
    },
  };
}
