export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SentMail extends Mail {
  messageId: string;
  sentAt: string;
}

export interface MailerPort {
  send(mail: Mail): Promise<{ messageId: string }>;
  /** Checks the transport answers (SMTP) — used by readiness. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** Embedded mode keeps sent mails so a developer can read the code they contain. */
export interface DevMailbox {
  list(filter?: { to?: string }): SentMail[];
}
