import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerCall, PublicAnswers } from '../cache/public-answers.js';
import type { ProcedureMetrics } from '../kernel/metrics.js';
import type { AnonymousReadLimit } from '../trpc/anonymous-read-limit.js';
import { PLAIN_ANSWER_HEADERS, type PlainAnswer, plainCallType } from './trpc-plain-call.js';

/** What the tRPC route needs to answer anonymous queries from memory. */
export interface KeptAnswers {
  answers: PublicAnswers;
  reads: AnonymousReadLimit;
  metrics: ProcedureMetrics;
}

/**
 * Whether a request is an anonymous query that would be a plain JSON call as far as its method
 * and headers go (trpc-plain-call.ts): only such requests are answered from, or kept in, memory.
 */
function anonymousPlainGet(req: FastifyRequest): boolean {
  if (req.headers.authorization !== undefined) return false;
  return (
    plainCallType(req.method, (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    }) === 'query'
  );
}

/** One call of a request and the key its answer is kept under. */
interface KeyedCall extends AnswerCall {
  key: string;
}

/**
 * The calls of a batch (as the SDK sends them), each keyed by its path and input's JSON, so a
 * call's answer serves every batch it appears in; undefined unless every call may be kept.
 */
function batchCallsOf(
  query: URLSearchParams,
  path: string,
  answers: PublicAnswers,
  maxBatchSize: number,
): KeyedCall[] | undefined {
  const paths = path.split(',');
  if (paths.length > maxBatchSize || !paths.every((p) => answers.covers(p))) return undefined;
  let inputs: unknown;
  try {
    const raw = query.get('input');
    inputs = raw === null ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null)) return undefined;
  const byIndex = inputs as Record<number, unknown> | undefined;
  return paths.map((p, i) => {
    const input = byIndex?.[i];
    return { path: p, input, key: `call ${p} ${JSON.stringify(input) ?? ''}` };
  });
}

/** A single call's input, or undefined if it is not JSON (the procedure answers that). */
function singleCallOf(query: URLSearchParams, path: string): AnswerCall | undefined {
  try {
    const raw = query.get('input');
    return { path, input: raw === null ? undefined : JSON.parse(raw) };
  } catch {
    return undefined;
  }
}

/** Counts the reads, from a lease in hand or a round trip; false if the network is refused. */
async function counted(reads: AnonymousReadLimit, ip: string, n: number): Promise<boolean> {
  if (reads.hitLocally(ip, n)) return true;
  try {
    await reads.hit(ip, n);
    return true;
  } catch {
    return false;
  }
}

/**
 * In front of the tRPC route: sends the kept answer to an anonymous GET while it is fresh and
 * the network's reads are counted (a refused one runs the procedures, which answer
 * RATE_LIMITED); otherwise prepares to keep what the procedures answer (`keep`, after they
 * ran). Hits are timed as the procedures are.
 */
export async function answerFromMemory(
  req: FastifyRequest,
  reply: FastifyReply,
  options: { query: () => URLSearchParams; path: string; kept: KeptAnswers; maxBatchSize: number },
): Promise<{ sent: true } | { sent: false; keep(answer: PlainAnswer): void }> {
  const { kept, path } = options;
  const ignore = { sent: false as const, keep: () => undefined };
  if (!anonymousPlainGet(req)) return ignore;
  const started = performance.now();
  const send = async (paths: readonly string[], body: string) => {
    if (!(await counted(kept.reads, req.ip, paths.length))) return false;
    const seconds = (performance.now() - started) / 1000;
    for (const p of paths) kept.metrics.observe(p, 'query', 'ok', seconds);
    reply.headers(PLAIN_ANSWER_HEADERS).send(body);
    return true;
  };

  // A request seen before is kept under its raw URL with the whole body sent: a hit parses
  // nothing. Fastify has parsed the query string already; it tells a batch apart for keying.
  const urlKey = `url ${req.url}`;
  const batch = (req.query as { batch?: unknown }).batch === '1';
  const paths = batch ? path.split(',') : [path];
  if (!paths.every((p) => kept.answers.covers(p))) return ignore;
  const whole = await kept.answers.find(urlKey);
  if (whole !== undefined && (await send(paths, whole))) return { sent: true };
  const wholeOk = (answer: PlainAnswer) =>
    answer.status === 200 && answer.parts.every((part) => part.ok);

  if (!batch) {
    const call = singleCallOf(options.query(), path);
    const keeper = call && (await kept.answers.prepare(urlKey, [call]));
    if (!keeper) return ignore;
    return {
      sent: false,
      keep(answer) {
        if (wholeOk(answer)) keeper.keep(answer.body);
      },
    };
  }

  // A batch: each call is also kept on its own, so its answer serves every batch it is in.
  const calls = batchCallsOf(options.query(), path, kept.answers, options.maxBatchSize);
  if (!calls) return ignore;
  const found = await Promise.all(calls.map((call) => kept.answers.find(call.key)));
  const bodies = found.filter((body): body is string => body !== undefined);
  if (bodies.length === calls.length && (await send(paths, `[${bodies.join(',')}]`))) {
    return { sent: true };
  }
  const [wholeKeeper, ...keepers] = await Promise.all([
    kept.answers.prepare(urlKey, calls),
    ...calls.map((call) => kept.answers.prepare(call.key, [call])),
  ]);
  return {
    sent: false,
    keep(answer) {
      if (answer.parts.length !== keepers.length) return;
      if (wholeOk(answer)) wholeKeeper?.keep(answer.body);
      for (const [i, part] of answer.parts.entries()) if (part.ok) keepers[i]?.keep(part.json);
    },
  };
}
