// QR images of a ticket's code (a compact EdDSA JWS): SVG for `tickets.qr`, PNG for the
// confirmation mail's inline (CID) attachment. Pure: no database, no tRPC.
import QRCode, { type QRCodeByteSegment, type QRCodeRenderersOptions } from 'qrcode';

export type TicketQrFormat = 'svg' | 'png';

export interface TicketQr {
  contentType: 'image/svg+xml' | 'image/png';
  /** SVG text for 'svg'; base64 of the PNG bytes for 'png'. */
  body: string;
}

/** Pixels per module of the PNG: 8 keeps modules sharp on a mail client's downscaled image. */
export const TICKET_QR_PNG_SCALE = 8;
/** Smallest accepted scale: below ~4 px per module door scanners start to miss modules. */
export const TICKET_QR_MIN_SCALE = 4;
/** A JWS is 150–250 characters; the cap (version 18-M, 89 modules) leaves room, rejects junk. */
const MAX_CODE_LENGTH = 512;
// A compact JWS is base64url segments joined by dots: ASCII only, so one byte per character.
const JWS_CHARS = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)*$/;

// Level M (~15% recovery) tolerates glare, a cracked screen or a creased print-out while keeping
// the symbol small (a 250-character code is version 11, 61 modules), so each module is larger on
// a phone screen than with Q or H. Margin 4 is the quiet zone the QR standard requires.
// One explicit byte segment: qrcode's optimiser may otherwise split the base64url text into
// alphanumeric/numeric runs (valid, but more mode switches for no gain on mixed-case text).
const BASE: QRCodeRenderersOptions = { errorCorrectionLevel: 'M', margin: 4 };

function segments(code: string): [QRCodeByteSegment] {
  if (code.length === 0) throw new Error('ticket QR: empty code');
  if (code.length > MAX_CODE_LENGTH)
    throw new Error(`ticket QR: code longer than ${MAX_CODE_LENGTH} characters`);
  if (!JWS_CHARS.test(code))
    throw new Error('ticket QR: code is not a compact JWS (base64url and dots)');
  return [{ data: Buffer.from(code, 'ascii'), mode: 'byte' }];
}

/** PNG bytes of the ticket's QR (black on opaque white), e.g. for a mail's CID attachment. */
export async function ticketQrPng(
  code: string,
  scale: number = TICKET_QR_PNG_SCALE,
): Promise<Buffer> {
  if (!Number.isInteger(scale) || scale < TICKET_QR_MIN_SCALE) {
    throw new Error(`ticket QR: scale must be an integer >= ${TICKET_QR_MIN_SCALE}`);
  }
  return QRCode.toBuffer(segments(code), { ...BASE, type: 'png', scale });
}

/** Standalone SVG (xmlns, viewBox in modules, no fixed width: it scales to its box). */
export async function ticketQrSvg(code: string): Promise<string> {
  const svg = await QRCode.toString(segments(code), { ...BASE, type: 'svg' });
  return svg.trimEnd();
}

/** The QR of `code` as SVG text or base64 PNG, with its content type (for `tickets.qr`). */
export async function renderTicketQr(code: string, format: TicketQrFormat): Promise<TicketQr> {
  if (format === 'svg') return { contentType: 'image/svg+xml', body: await ticketQrSvg(code) };
  return { contentType: 'image/png', body: (await ticketQrPng(code)).toString('base64') };
}
