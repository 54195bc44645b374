import type { CheckinFigures, QuotaFigures } from '@evently/sdk';

const PERCENT = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** Each quota's sold and held seats against its size (nothing when the event has none). */
export function QuotasTable({ quotas }: { quotas: QuotaFigures[] }) {
  if (quotas.length === 0) return null;
  return (
    <table>
      <caption>Quotas</caption>
      <thead>
        <tr>
          <th scope="col">Quota</th>
          <th scope="col" className="num">
            Sold
          </th>
          <th scope="col" className="num">
            Held
          </th>
          <th scope="col" className="num">
            Size
          </th>
          <th scope="col" className="num">
            Utilization
          </th>
        </tr>
      </thead>
      <tbody>
        {quotas.map((quota) => (
          <tr key={quota.quotaId}>
            <th scope="row">{quota.name}</th>
            <td className="num">{quota.sold}</td>
            <td className="num">{quota.held}</td>
            <td className="num">{quota.size}</td>
            <td className="num">{PERCENT.format(quota.utilization)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each check-in list's door: tickets that came in, and those inside now. */
export function CheckinsTable({ checkins }: { checkins: CheckinFigures[] }) {
  if (checkins.length === 0) return null;
  return (
    <table>
      <caption>Check-ins</caption>
      <thead>
        <tr>
          <th scope="col">Check-in list</th>
          <th scope="col" className="num">
            Came in
          </th>
          <th scope="col" className="num">
            Inside now
          </th>
        </tr>
      </thead>
      <tbody>
        {checkins.map((list) => (
          <tr key={list.listId}>
            <th scope="row">{list.name}</th>
            <td className="num">{list.entered}</td>
            <td className="num">{list.inside}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
