import { describe, expect, it } from 'vitest';
import { sendblue } from '../../src/config/presets/sendblue.ts';
import { api } from '../admin/api.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';

const SB_SECRET = 'sb-secret-1';
const yaml = `
limits: { body: 64KiB }
sources:
  sendblue:
    verify: { header: sb-signing-secret, secret: ["${SB_SECRET}", "sb-secret-old"] }
    type: { field: status, map: { RECEIVED: receive, DELIVERED: outbound, SENT: outbound, ERROR: outbound } }
    id: { fields: [message_handle, status] }
  textlink:
    verify: { body_field: secret, secret: tl-secret }
    type: { from: path }
    id: { fields: [textlink_id, status] }
  mobiniti:
    verify: { scheme: query, param: token, secret: mob-token }
    type: { from: path }
  forms:
    type: { field: event }
    id: { header: Idempotency-Key }
  strict:
    accept: [application/json]
    type: "note"
    response: { status: 202, body: "<ok/>", content_type: text/xml }
endpoints:
  crm: { url: "http://127.0.0.1:9/crm" }
  analytics: { url: "http://127.0.0.1:9/analytics" }
routes:
  - name: inbound
    from: [sendblue, textlink, mobiniti, forms]
    types: [receive, received, inbound]
    filter: { is_outbound: { not: true } }
    to: [crm, analytics]
  - name: status
    from: [sendblue]
    types: [outbound]
    to: [analytics]
`;

// The inbound example from SendBlue's webhook page.
const sendblueInbound = sendblue.types.receive!.sample!;

const sendblueOutbound = (status: string) => ({
  content: 'Hello world!',
  is_outbound: true,
  status,
  error_code: null,
  error_message: null,
  message_handle: 'out-handle-1',
  date_sent: '2020-09-10T06:15:05.962Z',
  from_number: '+15122164639',
  number: '+19998887777',
  to_number: '+19998887777',
  was_downgraded: false,
  plan: 'blue',
});

const sbHeaders = (secret = SB_SECRET) => ({
  'content-type': 'application/json',
  'sb-signing-secret': secret,
});

async function setup() {
  const config = testConfig(yaml);
  const relay = await startTestRelay(config);
  /** One stored event as the admin API shows it, its body decoded back to bytes. */
  const event = async (id: string) => {
    const shown = (await api(relay.adminUrl, `/admin/events/${encodeURIComponent(id)}`)).json;
    return {
      id: shown.id as string,
      source: shown.source as string,
      type: shown.type as string,
      content_type: shown.content_type as string | null,
      body: Buffer.from(shown.body, shown.body_encoding),
      deliveries: (shown.deliveries as { endpoint: string }[]).map(({ endpoint }) => ({ endpoint })),
    };
  };
  /** Every stored event, oldest first (events received in the same millisecond in either order). */
  const events = async () => {
    const listed = (await api(relay.adminUrl, '/admin/events?limit=500')).json.events as { id: string }[];
    return Promise.all(listed.reverse().map((e) => event(e.id)));
  };
  const deliveries = async (eventId: string) => (await event(eventId)).deliveries;
  const metric = async (line: string) => {
    const text = await (await fetch(`${relay.adminUrl}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(line));
    return found === undefined ? undefined : Number(found.slice(line.length).trim());
  };
  return { relay, event, events, deliveries, metric };
}

describe('ingest: SendBlue', () => {
  it('stores an inbound message exactly as received and fans it out to the matching endpoints', async () => {
    const { relay, event, events, deliveries } = await setup();
    const raw = JSON.stringify(sendblueInbound);
    const res = await post(`${relay.ingestUrl}/in/sendblue`, raw, sbHeaders());
    expect(res.status).toBe(200);
    const answer = res.json() as { id: string; deliveries: number };
    expect(answer.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(answer.deliveries).toBe(2);
    // Readable as soon as the answer arrived.
    const stored = await event(answer.id);
    expect(stored.type).toBe('receive');
    expect(stored.content_type).toBe('application/json');
    expect(stored.body.toString()).toBe(raw);
    expect(await deliveries(answer.id)).toEqual([{ endpoint: 'crm' }, { endpoint: 'analytics' }]);
    expect(await events()).toHaveLength(1);
  });

  it('keeps SENT and DELIVERED of one message handle as two events, and a repeat of either as a duplicate', async () => {
    const { relay, events, deliveries, metric } = await setup();
    const sent = await post(
      `${relay.ingestUrl}/in/sendblue`,
      JSON.stringify(sendblueOutbound('SENT')),
      sbHeaders(),
    );
    const delivered = await post(
      `${relay.ingestUrl}/in/sendblue`,
      JSON.stringify(sendblueOutbound('DELIVERED')),
      sbHeaders(),
    );
    const sentId = (sent.json() as { id: string }).id;
    expect(sent.json()).toEqual({ id: sentId, deliveries: 1 });
    expect((delivered.json() as { id: string }).id).not.toBe(sentId);
    const again = await post(
      `${relay.ingestUrl}/in/sendblue`,
      JSON.stringify(sendblueOutbound('SENT')),
      sbHeaders(),
    );
    expect(again.status).toBe(200);
    expect(again.json()).toEqual({ id: sentId, duplicate: true });
    expect((await events()).map((e) => e.type)).toEqual(['outbound', 'outbound']);
    expect(await deliveries(sentId)).toEqual([{ endpoint: 'analytics' }]);
    expect(await metric('relay_events_duplicate_total{source="sendblue"}')).toBe(1);
  });

  it('keeps a status the map does not name as it is, and counts it', async () => {
    const { relay, events, metric } = await setup();
    const res = await post(
      `${relay.ingestUrl}/in/sendblue`,
      JSON.stringify(sendblueOutbound('QUEUED')),
      sbHeaders(),
    );
    expect(res.json()).toMatchObject({ deliveries: 0 });
    expect((await events())[0]?.type).toBe('QUEUED');
    expect(await metric('relay_events_unmapped_type_total{source="sendblue"}')).toBe(1);
    expect(await metric('relay_events_unrouted_total{source="sendblue"}')).toBe(1);
    // The type label is bounded: a type the config does not name counts as "other".
    expect(await metric('relay_events_received_total{source="sendblue",type="other"}')).toBe(1);
  });

  it('accepts the second secret of a list and refuses a wrong or missing one with 401', async () => {
    const { relay, events, metric } = await setup();
    const body = JSON.stringify(sendblueInbound);
    expect((await post(`${relay.ingestUrl}/in/sendblue`, body, sbHeaders('sb-secret-old'))).status).toBe(200);
    const wrong = await post(`${relay.ingestUrl}/in/sendblue`, body, sbHeaders('sb-secret-2'));
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toEqual({ error: { code: 'RELAY_ERR_UNAUTHORIZED', message: expect.any(String) } });
    expect(wrong.body).not.toContain(SB_SECRET);
    const missing = await post(`${relay.ingestUrl}/in/sendblue`, body);
    expect(missing.status).toBe(401);
    expect(await events()).toHaveLength(1);
    expect(await metric('relay_events_rejected_total{source="sendblue",reason="unauthorized"}')).toBe(2);
  });
});

describe('ingest: TextLink and Mobiniti', () => {
  it('removes a body_field secret without touching any other byte, big integers included', async () => {
    const { relay, events } = await setup();
    const raw =
      '{ "secret": "tl-secret",\n  "textlink_id": 98765432109876543210987, "phone_number": "+381600000000",\n  "text": "Zdravo \\u00e9", "status": "received" }';
    const res = await post(`${relay.ingestUrl}/in/textlink/received`, raw);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ deliveries: 2 });
    const stored = (await events())[0]!;
    expect(stored.type).toBe('received');
    expect(stored.body.toString()).not.toContain('tl-secret');
    expect(stored.body.toString()).toContain('98765432109876543210987');
    // Only the member, its comma and the whitespace after it go; every other byte stays.
    expect(stored.body.toString()).toBe(raw.replace('"secret": "tl-secret",\n  ', ''));
    const tampered = await post(
      `${relay.ingestUrl}/in/textlink/received`,
      raw.replace('tl-secret', 'tl-secreT'),
    );
    expect(tampered.status).toBe(401);
  });

  it('takes the token from the query string and the type from the path', async () => {
    const { relay, events } = await setup();
    const inbound = {
      id: 'f82e541a-a4b1-11e8-a85f-127fd0971098',
      short_code: '64600',
      phone_number: '+19999999999',
      message: 'This is an example message',
      received_at: '2016-07-01T15:11:09.553Z',
    };
    const ok = await post(`${relay.ingestUrl}/in/mobiniti/inbound?token=mob-token`, JSON.stringify(inbound));
    expect(ok.json()).toMatchObject({ deliveries: 2 });
    const bounced = await post(
      `${relay.ingestUrl}/in/mobiniti/bounced?token=mob-token`,
      JSON.stringify({ ...inbound, bounces: 2 }),
    );
    expect(bounced.json()).toMatchObject({ deliveries: 0 });
    const types = Object.fromEntries((await events()).map((e) => [e.id, e.type]));
    expect(types).toEqual({
      [(ok.json() as { id: string }).id]: 'inbound',
      [(bounced.json() as { id: string }).id]: 'bounced',
    });
    expect((await post(`${relay.ingestUrl}/in/mobiniti/inbound?token=nope`, '{}')).status).toBe(401);
    expect((await post(`${relay.ingestUrl}/in/mobiniti/inbound`, '{}')).status).toBe(401);
  });
});

describe('ingest: bodies and answers', () => {
  it('parses form bodies for the type and takes the idempotency key from a header', async () => {
    const { relay, events } = await setup();
    const form = 'event=received&is_outbound=false&from=%2B15550001111';
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'abc-1' };
    const first = await post(`${relay.ingestUrl}/in/forms`, form, headers);
    expect(first.json()).toMatchObject({ deliveries: 2 });
    const again = await post(`${relay.ingestUrl}/in/forms`, form, headers);
    expect(again.json()).toEqual({ id: (first.json() as { id: string }).id, duplicate: true });
    const other = await post(`${relay.ingestUrl}/in/forms`, form, { ...headers, 'idempotency-key': 'abc-2' });
    expect(other.status).toBe(200);
    expect((await events()).map((e) => e.body.toString())).toEqual([form, form]);
  });

  it('stores any other content type as opaque bytes', async () => {
    const { relay, events } = await setup();
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
    const res = await post(`${relay.ingestUrl}/in/forms`, bytes, {
      'content-type': 'application/octet-stream',
    });
    expect(res.json()).toMatchObject({ deliveries: 0 });
    expect((await events())[0]?.body.equals(bytes)).toBe(true);
    expect((await events())[0]?.type).toBe('unknown');
  });

  it('answers with the source response, and 415 only where the source sets accept', async () => {
    const { relay } = await setup();
    const ok = await post(`${relay.ingestUrl}/in/strict`, '{"x":1}');
    expect(ok.status).toBe(202);
    expect(ok.body).toBe('<ok/>');
    expect(ok.headers.get('content-type')).toBe('text/xml');
    const wrongType = await post(`${relay.ingestUrl}/in/strict`, 'x=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json()).toMatchObject({ error: { code: 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('refuses malformed JSON (400), unknown sources and paths (404), other methods (405), big bodies (413)', async () => {
    const { relay, events } = await setup();
    const bad = await post(`${relay.ingestUrl}/in/forms`, '{"truncated":', {
      'content-type': 'application/json',
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'RELAY_ERR_BAD_REQUEST' } });
    const unknown = await post(`${relay.ingestUrl}/in/nosuch`, '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'RELAY_ERR_UNKNOWN_SOURCE' } });
    expect((await post(`${relay.ingestUrl}/elsewhere`, '{}')).status).toBe(404);
    expect((await post(`${relay.ingestUrl}/in/forms/a/b`, '{}')).status).toBe(404);
    expect((await fetch(`${relay.ingestUrl}/in/forms`)).status).toBe(405);
    const big = await post(`${relay.ingestUrl}/in/forms`, Buffer.alloc(64 * 1024 + 1, 0x61), {
      'content-type': 'text/plain',
    });
    expect(big.status).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'RELAY_ERR_BODY_TOO_LARGE' } });
    const atLimit = await post(`${relay.ingestUrl}/in/forms`, Buffer.alloc(64 * 1024, 0x61), {
      'content-type': 'text/plain',
    });
    expect(atLimit.status).toBe(200);
    expect(await events()).toHaveLength(1);
  });
});
