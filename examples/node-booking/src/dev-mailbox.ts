/**
 * Embedded mode (`pnpm start` without SMTP_URL) keeps the mails it would send and lists them at
 * `GET /dev/mailbox?to=`. A production server has no such endpoint: then this returns undefined.
 */
export async function verificationCodeFromDevMailbox(
  apiUrl: string,
  to: string,
  timeoutMs = 15_000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${apiUrl}/dev/mailbox?to=${encodeURIComponent(to)}`);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET /dev/mailbox: HTTP ${res.status}`);
    const { mails } = (await res.json()) as { mails: Array<{ subject: string; text: string }> };
    // Mails leave through the outbox a moment after the call: the newest code wins.
    const code = mails
      .filter((mail) => /verification code/i.test(mail.subject))
      .map((mail) => /\b(\d{6})\b/.exec(mail.text)?.[1])
      .findLast((found) => found !== undefined);
    if (code) return code;
    if (Date.now() > deadline) throw new Error(`No verification mail to ${to} arrived`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
