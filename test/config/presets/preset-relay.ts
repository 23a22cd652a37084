import { expect } from 'vitest';
import type { PresetName } from '../../../src/config/presets/index.ts';
import { api } from '../../admin/api.ts';
import { startTestRelay, testConfig } from '../../helpers/relay.ts';
import { type Received, startTarget } from '../../helpers/target.ts';

export type Payload = Record<string, unknown>;

/** What relay answered a provider's POST. */
export interface Answer {
  status: number;
  id?: string;
  deliveries?: number;
  duplicate?: boolean;
}

/** One POST the way the provider sends it: its URL for the type, its secret where it puts it. */
export type ProviderPost = (url: string, payload: Payload, secret: string) => Promise<Answer>;

/**
 * A relay whose one source says only `preset` and `secret`, with every type
 * routed to a real target, and the preset's samples (the seed's payloads).
 */
export async function presetRelay(preset: PresetName, secret: string) {
  const target = await startTarget();
  const config = testConfig(`
sources:
  ${preset}: { preset: ${preset}, secret: "${secret}" }
endpoints:
  sink: { url: "${target.url}/hooks" }
routes:
  - { from: [${preset}], types: "*", to: [sink] }
`);
  const relay = await startTestRelay(config);
  const samples = new Map(
    (config.sources[preset]?.samples ?? []).map((s) => [s.type, JSON.parse(s.body) as Payload]),
  );
  return {
    target,
    adminUrl: relay.adminUrl,
    /** The type's own URL, `/in/<source>/<type>`, as the provider is given one per webhook. */
    url: (type?: string) => `${relay.ingestUrl}/in/${preset}${type === undefined ? '' : `/${type}`}`,
    types: [...samples.keys()],
    /** A fresh copy of the sample of `type`. */
    sample(type: string): Payload {
      const sample = samples.get(type);
      if (!sample) throw new Error(`preset ${preset} has no sample of type ${type}`);
      return structuredClone(sample);
    },
    /** The stored events' types, oldest first, as the admin API lists them. */
    async storedTypes(): Promise<string[]> {
      const answer = await api(relay.adminUrl, `/admin/events?source=${preset}&limit=500`);
      return (answer.json.events as { type: string }[]).map((e) => e.type).reverse();
    },
  };
}

type PresetRelay = Awaited<ReturnType<typeof presetRelay>>;

/**
 * The behaviour every preset owes its provider: each sample, posted to its
 * type's URL, is stored under that type and delivered; posted again it is a
 * duplicate (unless its type has no key); a wrong secret stores nothing.
 * Resolves with what the target received.
 */
export async function expectEveryTypeStoredDeliveredAndDeduped(
  relay: PresetRelay,
  send: ProviderPost,
  secret: string,
  unkeyed: string[] = [],
): Promise<Received[]> {
  expect((await send(relay.url(relay.types[0]), relay.sample(relay.types[0]!), `not-${secret}`)).status).toBe(
    401,
  );
  const first = new Map<string, string>();
  for (const type of relay.types) {
    const answer = await send(relay.url(type), relay.sample(type), secret);
    expect(answer, type).toMatchObject({ status: 200, deliveries: 1 });
    first.set(type, answer.id!);
  }
  for (const type of relay.types) {
    const again = await send(relay.url(type), relay.sample(type), secret);
    const expected = unkeyed.includes(type) ? { deliveries: 1 } : { id: first.get(type), duplicate: true };
    expect(again, type).toMatchObject({ status: 200, ...expected });
  }
  const stored = [...relay.types, ...unkeyed];
  expect((await relay.storedTypes()).sort()).toEqual([...stored].sort());
  const received = await relay.target.waitFor(stored.length);
  expect(received.map((r) => r.headers['x-relay-type']).sort()).toEqual([...stored].sort());
  return received;
}

/** The JSON of relay's answer to a POST. */
export async function answerOf(res: Response): Promise<Answer> {
  const body = (await res.json()) as Omit<Answer, 'status'>;
  return { status: res.status, ...body };
}
