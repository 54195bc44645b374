import { TRPCError } from '@trpc/server';
import { z } from 'zod';

/** What a query or path value must become before the procedure's schema reads it. */
type ValueKind = 'number' | 'boolean' | 'array' | 'text';

/** How to read each field of a procedure's input from the text of a URL; null: no input. */
export type InputFields = ReadonlyMap<string, ValueKind> | null;

/** The schema under the wrappers that do not change what a value on the wire is. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodReadonly
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      // What the client sends is the pipe's input (a cursor's text, before it is decoded).
      current = current.in;
    } else {
      return current;
    }
  }
}

function kindOf(schema: z.core.$ZodType): ValueKind {
  const inner = unwrapped(schema);
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodArray) return 'array';
  return 'text';
}

/**
 * The fields of a procedure's input (its `.input()` schemas, as tRPC keeps them), each with the
 * kind of value it takes. Read once per route at start-up; a non-object input has no fields the
 * URL could name (trpc-to-openapi refuses such procedures when it writes the document).
 */
export function inputFieldsOf(inputs: readonly unknown[]): InputFields {
  if (inputs.length === 0) return null;
  const fields = new Map<string, ValueKind>();
  for (const input of inputs) {
    const object = input instanceof z.core.$ZodType ? unwrapped(input) : undefined;
    if (!(object instanceof z.ZodObject)) continue;
    for (const [key, field] of Object.entries(object.shape)) fields.set(key, kindOf(field));
  }
  return fields;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * URL values (query string, path) as the schema wants them: numbers and booleans parsed when they
 * are written as such (anything else is left for the schema to refuse), a lone value of a list
 * made a list. Done here, per request: trpc-to-openapi's own adapter instead switches on zod's
 * coercion in the shared contract schemas, which would change what the tRPC route accepts too.
 */
export function fromUrl(
  values: Readonly<Record<string, string | string[] | undefined>>,
  fields: ReadonlyMap<string, ValueKind>,
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const kind = fields.get(key);
    if (typeof value !== 'string') input[key] = value;
    else if (kind === 'number' && NUMBER.test(value)) input[key] = Number(value);
    else if (kind === 'boolean' && (value === 'true' || value === 'false')) {
      input[key] = value === 'true';
    } else if (kind === 'array') input[key] = [value];
    else input[key] = value;
  }
  return input;
}

/**
 * A JSON body's fields (Fastify hands JSON over as text: the tRPC route parses its own). No body
 * is no fields; anything but a JSON object is refused as bad input, with a fixed message (the
 * parser's would quote the body).
 */
export function fromBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === '') return {};
  let parsed: unknown;
  try {
    parsed = typeof body === 'string' ? JSON.parse(body) : body;
  } catch {
    throw new TRPCError({ code: 'PARSE_ERROR', message: 'Input is not valid JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'The body must be a JSON object' });
  }
  return parsed as Record<string, unknown>;
}
