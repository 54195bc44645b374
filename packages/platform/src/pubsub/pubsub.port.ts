export type Unsubscribe = () => Promise<void>;

/** Fire-and-forget broadcast to every process (Redis) or every listener in this process. */
export interface PubSubPort {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active, so a publish after it is never missed. */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
