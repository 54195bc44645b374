import { randomUUID } from 'node:crypto';
import {
  type CheckinDirection,
  type CheckinExport,
  type CheckinResult,
  type EventlyClient,
  type TicketClaims,
  ticketClaimsSchema,
} from '@evently/sdk';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';

/** A scan as the door decided it, offline, kept until it is synced. */
export interface OfflineScan {
  code: string;
  /** The scan's id for the server: the same nonce again is the same scan (a retried sync). */
  nonce: string;
  /** When it happened, by the scanner's clock (ISO 8601). */
  at: string;
  direction: CheckinDirection;
  gate?: string | undefined;
  /** The ticket the code names, when its signature holds. */
  ticketId?: string | undefined;
  /** What the door showed. */
  result: CheckinResult;
}

/** A synced scan: what the door showed and what the server made of it. */
export interface SyncedScan extends OfflineScan {
  server: CheckinResult;
  /** The server's `already_in` answer: when and where the ticket came in first. */
  firstScan?: { at: string; gate: string | null } | undefined;
}

export interface SyncReport {
  synced: SyncedScan[];
  /** Scans the server answered otherwise than the door did (another gate let the ticket in first…). */
  conflicts: SyncedScan[];
}

type VerifyKeys = ReturnType<typeof createLocalJWKSet>;
type TicketState = CheckinExport['tickets'][number];

/** At most this many scans per `checkin.sync`. */
const SYNC_BATCH = 1_000;

/**
 * An offline door: `load` exports a list once (its keys and every ticket's state), `scan` decides
 * from that alone, `sync` sends the scans when the network is back.
 */
export class Scanner {
  #exported: CheckinExport | undefined;
  #keys: VerifyKeys | undefined;
  #tickets = new Map<string, TicketState>();
  /** Every scan since the export (the door's own record of who came and went). */
  #scans: OfflineScan[] = [];
  /** Those not synced yet. */
  #pending: OfflineScan[] = [];

  constructor(private readonly client: EventlyClient) {}

  /** `checkin.export`: the list, its keys and ticket states; forgets the scans of a previous load. */
  async load(listId: string): Promise<CheckinExport> {
    const exported = await this.client.checkin.export.query({ listId });
    const jwks: JSONWebKeySet = exported.keys;
    this.#exported = exported;
    this.#keys = createLocalJWKSet(jwks);
    this.#tickets = new Map(exported.tickets.map((t) => [t.id, t]));
    this.#scans = [];
    this.#pending = [];
    return exported;
  }

  get list(): CheckinExport['list'] {
    return this.loaded().exported.list;
  }

  /** Scans not synced yet. */
  get pending(): readonly OfflineScan[] {
    return this.#pending;
  }

  /**
   * Decides a scan offline, with the server's vocabulary, and remembers it with a fresh nonce.
   * `at` defaults to now; the order of scans is their times, not the order they were made in.
   */
  async scan(
    code: string,
    options: { gate?: string; direction?: CheckinDirection; at?: Date } = {},
  ): Promise<OfflineScan> {
    const direction = options.direction ?? 'entry';
    const at = (options.at ?? new Date()).toISOString();
    const claims = await this.verify(code);
    const { result, ticketId } = this.decide(claims, direction, at);
    const scan: OfflineScan = {
      code,
      nonce: `scan-${randomUUID()}`,
      at,
      direction,
      gate: options.gate,
      ticketId,
      result,
    };
    this.#scans.push(scan);
    this.#pending.push(scan);
    return scan;
  }

  /** `checkin.sync` of the pending scans (in batches of 1,000); reports where the server differs. */
  async sync(): Promise<SyncReport> {
    const listId = this.list.id;
    const synced: SyncedScan[] = [];
    while (this.#pending.length > 0) {
      const batch = this.#pending.slice(0, SYNC_BATCH);
      const { results } = await this.client.checkin.sync.mutate({
        listId,
        scans: batch.map(({ code, nonce, at, direction, gate }) => ({
          code,
          nonce,
          at,
          direction,
          ...(gate && { gate }),
        })),
      });
      const byNonce = new Map(results.map((r) => [r.nonce, r]));
      for (const scan of batch) {
        const answer = byNonce.get(scan.nonce);
        if (!answer) throw new Error(`the server did not answer scan ${scan.nonce}`);
        synced.push({ ...scan, server: answer.result, firstScan: answer.firstScan });
      }
      // Only once answered: a failed sync keeps them (and their nonces) for the retry.
      this.#pending = this.#pending.slice(batch.length);
    }
    return { synced, conflicts: synced.filter((s) => s.server !== s.result) };
  }

  private loaded() {
    if (!this.#exported || !this.#keys) throw new Error('load(listId) first');
    return { exported: this.#exported, keys: this.#keys };
  }

  /** The code's claims when its signature holds under an exported key (EdDSA only). */
  private async verify(code: string): Promise<TicketClaims | undefined> {
    const { keys } = this.loaded();
    try {
      const { payload } = await compactVerify(code, keys, { algorithms: ['EdDSA'] });
      const claims = ticketClaimsSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      return claims.success ? claims.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** The server's rules, in its order, on the exported state and this door's own scans. */
  private decide(
    claims: TicketClaims | undefined,
    direction: CheckinDirection,
    at: string,
  ): { result: CheckinResult; ticketId?: string } {
    const { list } = this.loaded().exported;
    if (!claims) return { result: 'invalid' };
    const ticketId = claims.tid;
    if (claims.eid !== list.eventId) return { result: 'wrong_event', ticketId };
    if (list.ticketTypeIds && !list.ticketTypeIds.includes(claims.tt)) {
      return { result: 'wrong_list', ticketId };
    }
    // A ticket issued after the export is not in it: its signature is all the door knows.
    const state = this.#tickets.get(ticketId);
    if (state?.status === 'void') return { result: 'void', ticketId };
    // Inside at the export, then this door's accepted scans of it, earliest first, up to `at`.
    let inside = state?.inside ?? false;
    let entered = state?.entered ?? false;
    const mine = this.#scans
      .filter((s) => s.ticketId === ticketId && s.result === 'ok' && s.at <= at)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const s of mine) {
      inside = s.direction === 'entry';
      if (inside) entered = true;
    }
    if (direction === 'exit') return { result: inside ? 'ok' : 'not_in', ticketId };
    if (inside || (entered && !list.allowReentry)) return { result: 'already_in', ticketId };
    return { result: 'ok', ticketId };
  }
}
