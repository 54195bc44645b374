/** What a pub/sub does with an error thrown by a message handler. */
export type HandlerErrorReporter = (error: unknown, channel: string) => void;

/**
 * A failing handler must neither starve the other handlers nor crash the process; by default
 * it is reported as a process warning (visible on stderr) unless the caller routes it to a log.
 */
export const warnOnHandlerError: HandlerErrorReporter = (error, channel) => {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), {
    code: 'EVENTLY_PUBSUB_HANDLER',
    detail: `pub/sub handler on channel ${channel} threw`,
  });
};
