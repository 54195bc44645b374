import { z } from 'zod';

/**
 * Field builders every env fragment uses, so one kind of value (a duration, a count, a URL) is
 * read and refused the same way whichever process or concern reads it.
 */

/** Unset and empty variables are the same thing (compose files often pass `FOO=`). */
export const optional = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** A whole number in [min, max]; unset or empty gives `fallback`. */
export const intBetween = (min: number, max: number, fallback: number) => {
  const error = `must be an integer between ${min} and ${max}`;
  return z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : Number(v)),
    z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback),
  );
};

const UNITS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
/** `15m`, `30d`, `3600s` or a bare number of seconds -> seconds. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
      const amount = Number(match?.[1]);
      if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration like 900s, 15m, 12h or 30d' });
        return z.NEVER;
      }
      return amount * UNITS[(match[2] || 's') as keyof typeof UNITS];
    });

/** A comma-separated list; blanks dropped. */
export const commaList = () =>
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

export const urlWithProtocols = (protocols: string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );
