/**
 * Background jobs. Both implementations (BullMQ and the in-process runner) share these
 * semantics: a job id is unique per queue while the job is known (adding it again is a no-op),
 * failed jobs are retried with exponential backoff up to `attempts`, delayed jobs run no earlier
 * than their delay.
 */
export interface JobOptions {
  jobId?: string;
  delayMs?: number;
  /** Total tries, first included. Default 5. */
  attempts?: number;
  /** Base delay of the exponential backoff. Default 1000 ms. */
  backoffMs?: number;
}

export interface JobToAdd<T> {
  name: string;
  data: T;
  options?: JobOptions;
}

export interface JobContext<T> {
  id: string;
  name: string;
  data: T;
  /** 1 on the first try. */
  attempt: number;
}

export type JobHandler<T> = (job: JobContext<T>) => Promise<void>;

export interface WorkerOptions {
  concurrency?: number;
  /** Called when a job has failed its last attempt. */
  onFailed?: (job: JobContext<unknown>, error: unknown) => void;
}

export interface QueueWorker {
  close(): Promise<void>;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface QueuePort {
  /** Producers fail fast (no offline buffering) when the backend is unreachable. */
  add<T>(queue: string, job: JobToAdd<T>): Promise<void>;
  addBulk<T>(queue: string, jobs: JobToAdd<T>[]): Promise<void>;
  /** Workers reconnect forever. */
  process<T>(queue: string, handler: JobHandler<T>, options?: WorkerOptions): QueueWorker;
  /** A repeatable job every `everyMs`; registering the same name again replaces it. */
  repeat(queue: string, name: string, everyMs: number): Promise<void>;
  counts(queue: string): Promise<QueueCounts>;
  close(): Promise<void>;
}
