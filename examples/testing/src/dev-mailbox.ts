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
 * The code of the newest verification mail to `to`, once one arrives (mails go out through the
 * outbox and the in-process worker, a moment after the call that caused them).
 */
export async function verificationCode(apiUrl: string, to: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await devMails(apiUrl, to);
    const code = mails
      .filter((mail) => /verification code/i.test(mail.subject))
      .map((mail) => /\b(\d{6})\b/.exec(mail.text)?.[1])
      .findLast((found) => found !== undefined);
    if (code) return code;
    if (Date.now() > deadline) throw new Error(`no verification mail to ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
