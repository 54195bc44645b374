/** A key/value cache of JSON values with a time to live. Values are plain JSON. */
export interface CachePort {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Sets `key` only if it holds nothing (Redis SET NX): true when this call stored it. */
  add(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  close(): Promise<void>;
}
