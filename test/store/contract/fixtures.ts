/** Events, asks and completions for the contract suite: one place, so every test reads the same way. */
import type {
  AttemptRecord,
  Claim,
  ClaimAsk,
  ClaimedDelivery,
  Completion,
  DeliveryDetail,
  EnqueueResult,
  EventFilter,
  NewEvent,
  Store,
} from '../../../src/store/store.ts';

/** Every time in the suite is counted from here: the store never reads a clock of its own. */
export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
/** How long the suite's claims are leased unless a test says otherwise. */
export const LEASE = 30 * SECOND;

let sequence = 0;

/** A new event for `crm` received at T0, unless `overrides` say otherwise; ids sort in creation order. */
export function event(overrides: Partial<NewEvent> = {}): NewEvent {
  sequence++;
  return {
    id: `evt_${String(sequence).padStart(6, '0')}`,
    source: 'shop',
    type: 'order.created',
    receivedAt: T0,
    contentType: 'application/json',
    body: Buffer.from(`{"n":${sequence}}`),
    endpoints: ['crm'],
    idempotency: undefined,
    ...overrides,
  };
}

/** What `enqueue` answers for an event it stored: its fan-out, no threshold in the way. */
export function accepted(e: NewEvent): EnqueueResult {
  return { duplicateOf: undefined, endpoints: [...e.endpoints], held: [], leased: [] };
}

export function key(value: string, expiresAt: number): NewEvent['idempotency'] {
  return { key: value, expiresAt };
}

/** Enqueues one after the other, each acknowledged before the next is handed over. */
export async function enqueued(store: Store, ...events: NewEvent[]): Promise<NewEvent[]> {
  for (const e of events) await store.enqueue(e);
  return events;
}

/** An ask that takes up to ten of each, leased until `LEASE` after T0. */
export function ask(endpoint: string, options: Partial<Omit<ClaimAsk, 'endpoint'>> = {}): ClaimAsk {
  return { endpoint, fresh: 10, retries: 10, leaseUntil: T0 + LEASE, ...options };
}

/** One endpoint's claim. */
export async function claimOf(
  store: Store,
  endpoint: string,
  now: number,
  options: Partial<Omit<ClaimAsk, 'endpoint'>> = {},
): Promise<Claim> {
  const [claim] = await store.claim([ask(endpoint, options)], now);
  if (!claim) throw new Error('claim answered no Claim for the one ask');
  return claim;
}

/** What one endpoint's claim leased, first attempts then retries. */
export async function claimed(
  store: Store,
  endpoint: string,
  now: number,
  options: Partial<Omit<ClaimAsk, 'endpoint'>> = {},
): Promise<ClaimedDelivery[]> {
  const claim = await claimOf(store, endpoint, now, options);
  return [...claim.fresh, ...claim.retries];
}

/** Exactly one delivery is claimed; it is returned. */
export async function claimedOne(
  store: Store,
  endpoint: string,
  now: number,
  options: Partial<Omit<ClaimAsk, 'endpoint'>> = {},
): Promise<ClaimedDelivery> {
  const all = await claimed(store, endpoint, now, options);
  if (all.length !== 1) throw new Error(`expected one claimed delivery of ${endpoint}, got ${all.length}`);
  return all[0]!;
}

/** A new event to crm, enqueued and its delivery claimed at T0 (leased until `leaseUntil`). */
export async function oneInFlight(store: Store, leaseUntil = T0 + LEASE): Promise<ClaimedDelivery> {
  await enqueued(store, event());
  return claimedOne(store, 'crm', T0, { leaseUntil });
}

/** A filter that lets every event through, `overrides` aside. */
export function eventFilter(overrides: Partial<EventFilter> = {}): EventFilter {
  return {
    since: 0,
    source: undefined,
    type: undefined,
    state: undefined,
    endpoint: undefined,
    before: undefined,
    limit: 100,
    ...overrides,
  };
}

/** An attempt answered with `status`; an error is recorded for 4xx and 5xx. */
export function attempt(startedAt: number, status = 200): AttemptRecord {
  return {
    startedAt,
    durationMs: 25,
    status,
    error: status >= 400 ? `failed with ${status}` : undefined,
    response: Buffer.from(`answer ${status}`),
  };
}

/** An attempt that got no answer (a timeout, a refused connection). */
export function unanswered(startedAt: number): AttemptRecord {
  return { startedAt, durationMs: 10_000, status: undefined, error: 'timed out', response: undefined };
}

/** Says a completion carries no attempt: it was cut off before counting (shutdown). */
export const CUT_OFF = 'cut off';
type Made = AttemptRecord | typeof CUT_OFF;

export type Next =
  | { next: 'delivered' }
  | { next: 'retry'; at: number }
  | { next: 'dead' }
  | { next: 'release'; at: number; disable?: { endpoint: string; reason: string } };

/** The completion of `delivery`'s claim; by default with an attempt that started at T0. */
export function completion(delivery: ClaimedDelivery, next: Next, made: Made = attempt(T0)): Completion {
  const record = made === CUT_OFF ? undefined : made;
  return { deliveryId: delivery.id, claim: delivery.claim, attempt: record, ...next };
}

/** Completes one claim; true when the store applied it. */
export async function complete(
  store: Store,
  delivery: ClaimedDelivery,
  next: Next,
  now: number,
  made: Made = attempt(T0),
): Promise<boolean> {
  const [applied] = await store.complete([completion(delivery, next, made)], now);
  return applied === true;
}

/** The delivery of `eventId` to `endpoint`, which must exist. */
export async function deliveryTo(store: Store, eventId: string, endpoint: string): Promise<DeliveryDetail> {
  const found = (await store.reads.deliveriesOf(eventId)).find((d) => d.endpoint === endpoint);
  if (!found) throw new Error(`${eventId} has no delivery to ${endpoint}`);
  return found;
}

/** The store's current view of a delivery, which must exist. */
export async function detail(store: Store, id: number): Promise<DeliveryDetail> {
  const found = await store.reads.delivery(id);
  if (!found) throw new Error(`delivery ${id} is not stored`);
  return found;
}

/** Unfinished deliveries per endpoint, as a plain object (an endpoint with none may be absent or 0). */
export async function unfinished(store: Store): Promise<Record<string, number>> {
  const counts = await store.unfinishedCounts();
  return Object.fromEntries([...counts].filter(([, n]) => n > 0));
}
