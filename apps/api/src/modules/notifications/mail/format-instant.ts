const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const months = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

/**
 * An instant as a reader sees it in a mail, in UTC: `Tue, 3 Nov 2026, 14:05 UTC`. Built by hand
 * rather than with Intl so every runtime (and ICU build) writes the same text. Seconds are
 * dropped, which rounds an expiry down: a reader never trusts a code for longer than it lives.
 */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`not an instant: ${iso}`);
  const pad = (n: number) => String(n).padStart(2, '0');
  const weekday = weekdays[date.getUTCDay()];
  const month = months[date.getUTCMonth()];
  const day = date.getUTCDate();
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return `${weekday}, ${day} ${month} ${date.getUTCFullYear()}, ${time} UTC`;
}
