import type { TokenPair } from '@evently/contracts';

/**
 * Where the session's token pair lives. Memory by default; implement it over localStorage,
 * a keychain or a file to keep a session across reloads or runs. Both methods may be async.
 */
export interface TokenStore {
  get(): TokenPair | null | Promise<TokenPair | null>;
  set(tokens: TokenPair | null): void | Promise<void>;
}

/** Keeps the pair in this process only (the default). */
export function memoryTokenStore(initial: TokenPair | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}
