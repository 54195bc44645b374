/** A mail as `GET /dev/mailbox` (embedded mode) lists it. */
export interface DevMail {
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

/** Mails the embedded server "sent" to `to`, oldest first. */
export async function devMails(apiUrl: string, to: string): Promise<DevMail[]> {
  const res = await fetch(`${apiUrl}/dev/mailbox?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`GET /dev/mailbox: HTTP ${res.status}`);
  const body = (await res.json()) as { mails: DevMail[] };
  return body.mails;
}

/**
 * What `pick` finds in the newest mail to `to` whose subject matches, once one arrives (mails go
 * out through the outbox and the in-process worker, a moment after the call that caused them).
 */
async function fromNewestMail(
  apiUrl: string,
  to: string,
  subject: RegExp,
  pick: RegExp,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await devMails(apiUrl, to);
    const found = mails
      .filter((mail) => subject.test(mail.subject))
      .map((mail) => pick.exec(mail.text)?.[1])
      .findLast((value) => value !== undefined);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with ${subject}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The code of the newest verification mail to `to`. */
export function verificationCode(apiUrl: string, to: string, timeoutMs = 15_000) {
  return fromNewestMail(apiUrl, to, /verification code/i, /\b(\d{6})\b/, timeoutMs);
}

/** The code of the newest organization invitation to `to` (on a line of its own). */
export function invitationCode(apiUrl: string, to: string, timeoutMs = 15_000) {
  return fromNewestMail(apiUrl, to, /invited/i, /^\s+([A-Za-z0-9_-]{32})$/m, timeoutMs);
}
