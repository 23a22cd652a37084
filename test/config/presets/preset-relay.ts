import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import type { PresetName } from '../../../src/config/presets/index.ts';
import { api } from '../../admin/api.ts';
import { post, startTestRelay, testConfig } from '../../helpers/relay.ts';
import { type Received, startTarget } from '../../helpers/target.ts';

export type Payload = Record<string, unknown>;

/** What relay answered a provider's POST. */
export interface Answer {
  status: number;
  id?: string;
  deliveries?: number;
  duplicate?: boolean;
}

async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await post(url, body, { 'content-type': 'application/json', ...headers });
  return { status: res.status, ...(res.json() as Omit<Answer, 'status'>) };
}

const json = (payload: Payload) => JSON.stringify(payload);
const hexHmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** How each provider POSTs a webhook: its secret where it puts it. */
const providerStyle: Record<PresetName, (url: string, payload: Payload, secret: string) => Promise<Answer>> =
  {
    // "SendBlue will include it in the webhook request headers" (the preset reads sb-signing-secret).
    sendblue: (url, payload, secret) => postJson(url, json(payload), { 'sb-signing-secret': secret }),
    // "we will send it to you in each request (in the request body)".
    textlink: (url, payload, secret) => postJson(url, json({ secret, ...payload })),
    blububl: (url, payload, secret) => postJson(url, json({ secret, ...payload })),
    // Mobiniti only takes a URL: the token rides in its query.
    mobiniti: (url, payload, secret) => postJson(`${url}?token=${encodeURIComponent(secret)}`, json(payload)),
    // "a signed payload" (the preset assumes a hex HMAC-SHA256 in x-bluemessaggio-signature).
    bluemessaggio: (url, payload, secret) =>
      postJson(url, json(payload), {
        'x-bluemessaggio-signature': `sha256=${hexHmac(secret, json(payload))}`,
      }),
  };

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
  const url = (type: string | undefined) =>
    `${relay.ingestUrl}/in/${preset}${type === undefined ? '' : `/${type}`}`;
  return {
    target,
    adminUrl: relay.adminUrl,
    types: [...samples.keys()],
    /** POSTs as the provider does to the URL of `type` (one per webhook), or to the source's own URL. */
    send: (type: string | undefined, payload: Payload, withSecret = secret) =>
      providerStyle[preset](url(type), payload, withSecret),
    /** POSTs with no secret at all. */
    sendBare: (type: string, payload: Payload) => postJson(url(type), json(payload)),
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

/**
 * The behaviour every preset owes its provider: each sample, posted to its
 * type's URL, is stored under that type and delivered; posted again it is a
 * duplicate (unless its type has no key); a wrong or missing secret stores
 * nothing. Resolves with what the target received.
 */
export async function expectEveryTypeStoredDeliveredAndDeduped(
  relay: Awaited<ReturnType<typeof presetRelay>>,
  unkeyed: string[] = [],
): Promise<Received[]> {
  const [someType = ''] = relay.types;
  expect(await relay.send(someType, relay.sample(someType), 'not-the-secret')).toMatchObject({ status: 401 });
  expect(await relay.sendBare(someType, relay.sample(someType))).toMatchObject({ status: 401 });
  const first = new Map<string, string>();
  for (const type of relay.types) {
    const answer = await relay.send(type, relay.sample(type));
    expect(answer, type).toMatchObject({ status: 200, deliveries: 1 });
    first.set(type, answer.id!);
  }
  for (const type of relay.types) {
    const again = await relay.send(type, relay.sample(type));
    const expected = unkeyed.includes(type) ? { deliveries: 1 } : { id: first.get(type), duplicate: true };
    expect(again, type).toMatchObject({ status: 200, ...expected });
  }
  const stored = [...relay.types, ...unkeyed].sort();
  expect((await relay.storedTypes()).sort()).toEqual(stored);
  const received = await relay.target.waitFor(stored.length);
  expect(received.map((r) => r.headers['x-relay-type']).sort()).toEqual(stored);
  return received;
}
