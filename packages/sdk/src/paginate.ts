import type { TRPCProcedureOptions } from '@trpc/client';

/** A keyset page, as every list procedure answers. */
export interface PageOf<TItem> {
  items: TItem[];
  nextCursor: string | null;
}

/** A list procedure of the client, e.g. `client.events.list`. */
export interface PagedQuery<TInput, TItem> {
  query(input: TInput, opts?: TRPCProcedureOptions): PromiseLike<PageOf<TItem>>;
}

/** A list's input without its cursor (the helper moves the cursor). */
export type PaginateInput<TInput> = Omit<Exclude<TInput, undefined>, 'cursor'>;

export interface PaginateOptions {
  /** Stops the walk (the page request in flight is aborted). */
  signal?: AbortSignal;
}

/**
 * `client.paginate(client.events.list, { q: 'jazz', limit: 100 })`: every item of every page,
 * fetching the next page only when the loop gets there.
 */
export type Paginate = <TInput extends { cursor?: string | null | undefined } | undefined, TItem>(
  procedure: PagedQuery<TInput, TItem>,
  ...args: object extends PaginateInput<TInput>
    ? [input?: PaginateInput<TInput>, options?: PaginateOptions]
    : [input: PaginateInput<TInput>, options?: PaginateOptions]
) => AsyncGenerator<TItem, void, undefined>;

export const paginate: Paginate = (procedure, ...[input, options]) =>
  walk(procedure, input, options);

async function* walk<TInput, TItem>(
  procedure: PagedQuery<TInput, TItem>,
  input: object | undefined,
  options: PaginateOptions | undefined,
): AsyncGenerator<TItem, void, undefined> {
  let cursor: string | null = null;
  do {
    const pageInput = { ...input, ...(cursor !== null && { cursor }) } as TInput;
    const page: PageOf<TItem> = await procedure.query(
      pageInput,
      options?.signal ? { signal: options.signal } : undefined,
    );
    yield* page.items;
    if (page.nextCursor !== null && page.nextCursor === cursor) {
      throw new Error('The list answered the same cursor twice; stopping rather than looping');
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
}
