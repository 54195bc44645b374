/** An inline image of a mail's HTML, shown where it writes `<img src="cid:{contentId}">`. */
export interface MailAttachment {
  filename: string;
  /** e.g. `image/png`. */
  contentType: string;
  /** `left@right`, without angle brackets. */
  contentId: string;
  contentBase64: string;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<left@right>`; the same for every try of one mail. Absent: a random one. */
  messageId?: string | undefined;
  /** Inline images the HTML refers to by `cid:` (a confirmation's ticket QR codes). */
  attachments?: MailAttachment[] | undefined;
}

export interface SentMail extends Mail {
  messageId: string;
  sentAt: string;
}

export interface MailerPort {
  /** Resolves the Message-ID the mail went out with (the one given, if any). */
  send(mail: Mail): Promise<{ messageId: string }>;
  /** Checks the transport answers (SMTP) — used by readiness. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** Embedded mode keeps sent mails so a developer can read the code they contain. */
export interface DevMailbox {
  list(filter?: { to?: string }): SentMail[];
}
