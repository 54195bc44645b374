import {
  type WebhookDeliveryStatus,
  webhookDeliveryStatuses,
  webhookDeliveryStatusSchema,
} from '@evently/sdk';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { trpc } from '../../api.js';
import { LoadMore } from '../../components/load-more.js';
import { Loading, Page } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { NoOrganization, Refusal } from './access.js';
import { DeliveryTable } from './delivery-table.js';
import { WebhookStatus } from './webhook-status.js';

const WHAT = 'see a webhook’s deliveries';
/** Pending deliveries are retried by Evently: the list refreshes itself meanwhile. */
const REFRESH_MS = 5_000;

/** One webhook's deliveries, newest first: filtered by status, replayed one or all failed. */
export function WebhookDeliveriesPage() {
  const { webhookId = '' } = useParams();
  const { organization } = useSession();
  return (
    <Page title="Webhook deliveries" actions={<Link to="/webhooks">All webhooks</Link>}>
      {organization ? (
        <Deliveries organizationId={organization.organization.id} webhookId={webhookId} />
      ) : (
        <NoOrganization />
      )}
    </Page>
  );
}

function Deliveries({ organizationId, webhookId }: { organizationId: string; webhookId: string }) {
  const queries = useQueryClient();
  const [status, setStatus] = useState<WebhookDeliveryStatus | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const webhooks = useQuery(trpc.webhooks.list.queryOptions({ organizationId }));
  const deliveries = useInfiniteQuery(
    trpc.webhooks.deliveries.infiniteQueryOptions(
      { webhookId, limit: 25, ...(status && { status }) },
      { getNextPageParam: (page) => page.nextCursor, refetchInterval: REFRESH_MS },
    ),
  );
  const refresh = () => queries.invalidateQueries(trpc.webhooks.deliveries.pathFilter());
  const replay = useMutation(
    trpc.webhooks.replay.mutationOptions({
      onSuccess: async ({ queued }, input) => {
        setNotice(
          input.deliveryId
            ? 'The delivery is queued to be sent again.'
            : queued === 0
              ? 'There are no failed deliveries to replay.'
              : `${queued} failed ${queued === 1 ? 'delivery is' : 'deliveries are'} queued to be sent again.`,
        );
        await refresh();
      },
    }),
  );

  if (webhooks.isPending) return <Loading what="the webhook" />;
  if (webhooks.isError) return <Refusal error={webhooks.error} what={WHAT} />;
  const webhook = webhooks.data.find((w) => w.id === webhookId);
  if (!webhook) {
    return (
      <p className="note">
        This webhook no longer exists, or belongs to another organization.{' '}
        <Link to="/webhooks">Back to the webhooks</Link>
      </p>
    );
  }
  const rows = deliveries.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <>
      <dl className="facts">
        <dt>URL</dt>
        <dd className="break">{webhook.url}</dd>
        {webhook.description && (
          <>
            <dt>Description</dt>
            <dd>{webhook.description}</dd>
          </>
        )}
        <dt>Status</dt>
        <dd>
          <WebhookStatus webhook={webhook} />
        </dd>
      </dl>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="delivery-status">Show</label>
          <select
            id="delivery-status"
            value={status ?? ''}
            onChange={(e) =>
              setStatus(
                e.target.value ? webhookDeliveryStatusSchema.parse(e.target.value) : undefined,
              )
            }
          >
            <option value="">All deliveries</option>
            {webhookDeliveryStatuses.map((s) => (
              <option key={s} value={s}>
                Only {s}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          disabled={replay.isPending}
          onClick={() => replay.mutate({ webhookId })}
        >
          Replay all failed
        </button>
        <button type="button" className="link" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      <p className="admin-notice" role="status" aria-live="polite">
        {notice}
      </p>
      <Refusal error={replay.error} what="replay deliveries" />
      {deliveries.isPending ? (
        <Loading what="deliveries" />
      ) : deliveries.isError ? (
        <Refusal error={deliveries.error} what={WHAT} />
      ) : rows.length === 0 ? (
        <p>
          {status
            ? `No ${status} deliveries.`
            : 'Nothing delivered yet: send a test from the webhooks page, or wait for an event.'}
        </p>
      ) : (
        <DeliveryTable
          deliveries={rows}
          replaying={replay.isPending}
          onReplay={(deliveryId) => replay.mutate({ webhookId, deliveryId })}
        />
      )}
      <LoadMore
        noun="deliveries"
        shown={rows.length}
        hasMore={deliveries.hasNextPage}
        loading={deliveries.isFetchingNextPage}
        onLoad={() => void deliveries.fetchNextPage()}
      />
    </>
  );
}
