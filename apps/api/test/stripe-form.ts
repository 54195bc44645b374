import type { IncomingMessage } from 'node:http';

// How the local Stripe endpoint reads a request: its headers, its body, and Stripe's form
// encoding (`metadata[evently_booking_id]=…`).

export function headersOf(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** `metadata[evently_booking_id]=x` → `{ 'metadata[evently_booking_id]': 'x' }`. */
export function decodeForm(body: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) form[key] = value;
  return form;
}

/** The `prefix[…]` keys of a form as an object (`metadata[a]=1` → `{ a: '1' }`). */
export function hashOf(form: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    const match = /^([^[]+)\[([^\]]+)\]$/.exec(key);
    if (match?.[1] === prefix && match[2] !== undefined) out[match[2]] = value;
  }
  return out;
}

export const wholeNumber = (value: string | undefined) =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
