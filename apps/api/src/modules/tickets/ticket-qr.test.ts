import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeQrPng as decodePng } from '../../../test/qr-decode.js';
import { renderTicketQr, TICKET_QR_MIN_SCALE, ticketQrPng, ticketQrSvg } from './ticket-qr.js';

/** A realistic ticket code: an EdDSA compact JWS over a small ticket payload. */
async function signedCode(): Promise<string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const payload = { tid: randomUUID(), eid: randomUUID(), tt: randomUUID(), iat: 1_796_000_000 };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'EdDSA', kid: 'tk-2026-12-01' })
    .sign(privateKey);
}

describe('ticket QR', () => {
  it('renders a PNG that a QR decoder reads back as the exact code', async () => {
    const code = await signedCode();
    expect(code.length).toBeGreaterThan(150);
    const qr = await renderTicketQr(code, 'png');
    expect(qr.contentType).toBe('image/png');
    const png = Buffer.from(qr.body, 'base64');
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(decodePng(png).text).toBe(code);
    expect((await ticketQrPng(code)).equals(png)).toBe(true);
  });

  it('stays readable at the smallest scale and at the longest code it accepts', async () => {
    const code = await signedCode();
    const small = decodePng(await ticketQrPng(code, TICKET_QR_MIN_SCALE));
    expect(small.text).toBe(code);
    const modules = QRCode.create([{ data: Buffer.from(code), mode: 'byte' }], {
      errorCorrectionLevel: 'M',
    }).modules.size;
    expect(small.width).toBe((modules + 8) * TICKET_QR_MIN_SCALE);

    const longest = `${'A'.repeat(100)}.${'b_-9'.repeat(102)}.${'Z'.repeat(2)}`;
    expect(longest.length).toBe(512);
    expect(decodePng(await ticketQrPng(longest, TICKET_QR_MIN_SCALE)).text).toBe(longest);
  });

  it('renders a compact standalone SVG', async () => {
    const code = await signedCode();
    const qr = await renderTicketQr(code, 'svg');
    expect(qr.contentType).toBe('image/svg+xml');
    const svg = qr.body;
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="0 0 (\d+) \1"[^>]*>/,
    );
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg\b/g)).toHaveLength(1);
    expect(svg).not.toMatch(/<script|href=/i);
    expect(Buffer.byteLength(svg)).toBeLessThan(20_000);
    expect(await ticketQrSvg(code)).toBe(svg);
  });

  it('refuses an empty, oversized or non-JWS code and a too-small scale', async () => {
    await expect(renderTicketQr('', 'svg')).rejects.toThrow(/empty/);
    await expect(ticketQrPng('')).rejects.toThrow(/empty/);
    await expect(ticketQrPng('a'.repeat(513))).rejects.toThrow(/longer/);
    await expect(ticketQrPng('not a jws')).rejects.toThrow(/JWS/);
    await expect(ticketQrPng('abc', 3)).rejects.toThrow(/scale/);
  });
});
