import { when } from '../../components/ui.js';
import { type Delivery, DeliveryStatus } from './webhook-status.js';

/** What happened to each delivery: its tries, the receiver's answer or the error, what is next. */
export function DeliveryTable(props: {
  deliveries: Delivery[];
  replaying: boolean;
  onReplay: (deliveryId: string) => void;
}) {
  return (
    <table className="deliveries">
      <caption>Deliveries, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Topic</th>
          <th scope="col">Recorded</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Attempts
          </th>
          <th scope="col">Last answer</th>
          <th scope="col">Next try or delivered</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {props.deliveries.map((delivery) => (
          <tr key={delivery.id}>
            <th scope="row">
              <code>{delivery.topic}</code>
            </th>
            <td>{when(delivery.createdAt)}</td>
            <td>
              <DeliveryStatus delivery={delivery} />
            </td>
            <td className="num">{delivery.attempts}</td>
            <td className="break">
              {delivery.lastStatusCode !== null && <div>HTTP {delivery.lastStatusCode}</div>}
              {delivery.lastError && <div>{delivery.lastError}</div>}
              {delivery.durationMs !== null && (
                <div className="hint">took {delivery.durationMs} ms</div>
              )}
              {delivery.lastStatusCode === null && !delivery.lastError && '—'}
            </td>
            <td>
              {delivery.deliveredAt
                ? `delivered ${when(delivery.deliveredAt)}`
                : delivery.nextAttemptAt
                  ? `next try ${when(delivery.nextAttemptAt)}`
                  : '—'}
            </td>
            <td>
              <button
                type="button"
                disabled={props.replaying}
                onClick={() => props.onReplay(delivery.id)}
              >
                Replay<span className="visually-hidden"> {delivery.topic} delivery</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
