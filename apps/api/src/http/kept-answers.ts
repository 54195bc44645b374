import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AnswerKeeper, PublicAnswers } from '../cache/public-answers.js';
import type { ProcedureMetrics } from '../kernel/metrics.js';
import type { AnonymousReadLimit } from '../trpc/anonymous-read-limit.js';
import { type PlainAnswer, PLAIN_ANSWER_HEADERS } from './trpc-plain-call.js';

/** What the tRPC route needs to answer anonymous queries from memory. */
export interface KeptAnswers {
  answers: PublicAnswers;
  reads: AnonymousReadLimit;
  metrics: ProcedureMetrics;
}

/** One call of a request, as kept answers are keyed: its path and its input's JSON text. */
interface KeptCall {
  path: string;
  input: string | undefined;
}

/**
 * The calls of an anonymous GET — one, or a batch as the SDK sends them — whose answers may all
 * be kept, or undefined. Only what would be a plain JSON call as far as its headers go
 * (trpc-plain-call.ts) qualifies; anything else, or any call not covered, runs as usual.
 */
function keptCallsOf(
  req: FastifyRequest,
  query: URLSearchParams,
  path: string,
  kept: KeptAnswers,
  maxBatchSize: number,
): KeptCall[] | undefined {
  const { headers } = req;
  if (
    req.method !== 'GET' ||
    headers.authorization !== undefined ||
    headers['trpc-accept'] !== undefined ||
    headers['content-type'] !== undefined ||
    headers.accept?.includes('application/jsonl')
  ) {
    return undefined;
  }
  const raw = query.get('input') ?? undefined;
  if (query.get('batch') !== '1') return kept.answers.covers(path) ? [{ path, input: raw }] : [];
  const paths = path.split(',');
  if (paths.length > maxBatchSize || !paths.every((p) => kept.answers.covers(p))) return undefined;
  let inputs: unknown;
  try {
    inputs = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (inputs !== undefined && (typeof inputs !== 'object' || inputs === null)) return undefined;
  const byIndex = inputs as Record<number, unknown> | undefined;
  return paths.map((p, i) => {
    const input = byIndex?.[i];
    return { path: p, input: input === undefined ? undefined : JSON.stringify(input) };
  });
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
 * In front of the tRPC route: sends the request's kept answers when every one of its calls has
 * a fresh one and the network's read lease covers them, and otherwise prepares to keep what the
 * procedures answer (`keep`, after they ran). Hits are timed as the procedures are.
 */
export async function answerFromMemory(
  req: FastifyRequest,
  reply: FastifyReply,
  options: { query: URLSearchParams; path: string; kept: KeptAnswers; maxBatchSize: number },
): Promise<{ sent: true } | { sent: false; keep(answer: PlainAnswer): void }> {
  const { kept } = options;
  const calls = keptCallsOf(req, options.query, options.path, kept, options.maxBatchSize);
  if (!calls || calls.length === 0) return { sent: false, keep: () => undefined };
  const started = performance.now();
  const found = await Promise.all(calls.map((c) => kept.answers.find(c.path, c.input)));
  const bodies = found.filter((body): body is string => body !== undefined);
  // Counted like the procedures' reads; a refused one runs them, which answer RATE_LIMITED.
  if (bodies.length === calls.length && (await counted(kept.reads, req.ip, calls.length))) {
    const seconds = (performance.now() - started) / 1000;
    for (const call of calls) kept.metrics.observe(call.path, 'query', 'ok', seconds);
    const batch = options.query.get('batch') === '1';
    reply.headers(PLAIN_ANSWER_HEADERS).send(batch ? `[${bodies.join(',')}]` : bodies[0]);
    return { sent: true };
  }
  const keepers: (AnswerKeeper | undefined)[] = await Promise.all(
    calls.map((c) => kept.answers.prepare(c.path, c.input)),
  );
  return {
    sent: false,
    keep(answer) {
      if (answer.parts.length !== keepers.length) return;
      for (const [i, part] of answer.parts.entries()) if (part.ok) keepers[i]?.keep(part.json);
    },
  };
}
