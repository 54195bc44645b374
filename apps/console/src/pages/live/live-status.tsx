import type { TRPCSubscriptionResult } from '@trpc/tanstack-react-query';
import { useEffect } from 'react';
import { Tag } from '../../components/ui.js';
import { messageOf } from '../../errors.js';
import { mayReconnect } from './reconnect.js';

/** How long a stream that ended waits before it is opened again (when that may help). */
const RECONNECT_AFTER_MS = 3_000;

type Subscription = Pick<TRPCSubscriptionResult<unknown, unknown>, 'status' | 'error' | 'reset'>;

/** Opens a stream again a moment after it ended with an error that a new connection may cure. */
export function useReconnect(subscription: Subscription): void {
  const { status, error, reset } = subscription;
  useEffect(() => {
    if (status !== 'error' || !mayReconnect(error)) return;
    const timer = setTimeout(reset, RECONNECT_AFTER_MS);
    return () => clearTimeout(timer);
  }, [status, error, reset]);
}

const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/**
 * Whether the page follows its stream now, said in words beside the coloured tag (the state is
 * announced when it changes), and when the last update arrived.
 */
export function LiveIndicator({
  subscription,
  lastUpdate,
}: {
  subscription: Subscription;
  lastUpdate: Date | undefined;
}) {
  const { status, error, reset } = subscription;
  const retrying = status === 'error' && mayReconnect(error);
  return (
    <div className="live-indicator">
      <span role="status">
        {status === 'pending' ? (
          <Tag tone="ok">
            <span className="live-dot" aria-hidden="true" /> Live
          </Tag>
        ) : status === 'error' && !retrying ? (
          <Tag tone="bad">Not live</Tag>
        ) : (
          <Tag tone="warn">{lastUpdate ? 'Reconnecting…' : 'Connecting…'}</Tag>
        )}
      </span>
      <span className="live-last">
        {lastUpdate ? (
          <>
            Last update at{' '}
            <time dateTime={lastUpdate.toISOString()}>{TIME.format(lastUpdate)}</time>
          </>
        ) : (
          'No update received yet'
        )}
      </span>
      {status === 'error' && !retrying && (
        <span className="live-problem">
          {messageOf(error)}{' '}
          <button type="button" onClick={reset}>
            Try again
          </button>
        </span>
      )}
    </div>
  );
}
