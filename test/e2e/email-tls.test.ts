import { describe, expect, it } from 'vitest';
import { api } from '../admin/api.ts';
import { ingestEvent, type RelayProcess, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { startSmtp, TEST_CA, type TestSmtp } from '../helpers/smtp.ts';
import { readStream, type SseReader } from '../helpers/sse.ts';
import { tempDir } from '../helpers/temp.ts';

const PASSWORD = 'tls-smtp-pass-5e81c2';
const TOKEN = 'admin-token';
/** How a relay that knows the test CA is started: verification stays on, with one more root. */
const TRUSTING = { NODE_EXTRA_CA_CERTS: TEST_CA };
/** Node's own roots only, whatever extra CAs the environment running the tests names. */
const UNTRUSTING = { NODE_EXTRA_CA_CERTS: '' };

/**
 * A daemon whose one e-mail endpoint mails every event of `app` through
 * `smtpUrl`, with one retry an hour away (a failed attempt stays on the
 * schedule), and a reader of its live stream of outcomes.
 */
async function mailingRelay(
  smtpUrl: string,
  tls: string | undefined,
  env: Record<string, string>,
  delivery = '{}',
) {
  const config = writeDaemonConfig(
    tempDir(),
    `admin: { token: ${TOKEN} }
delivery: ${delivery}
sources: { app: { type: { field: type } } }
endpoints:
  oncall:
    email: { smtp: "${smtpUrl}", from: relay@example.com, to: [oncall@example.com]${tls ? `, tls: ${tls}` : ''} }
    retry: { schedule: [1h], jitter: 0 }
routes:
  - { from: [app], types: "*", to: [oncall] }
`,
  );
  const relay = await spawnRelay(['--config', config, '--log-level', 'trace'], env);
  const stream = await readStream(`${relay.adminUrl}/admin/stream?types=delivery.completed`, TOKEN);
  return { relay, stream };
}

/** Sends one event and resolves with its id and the outcome relay wrote for its mail. */
async function sendEvent(relay: RelayProcess, stream: SseReader, body: object) {
  const eventId = await ingestEvent(relay.ingestUrl, body);
  expect(eventId).toBeDefined();
  const completed = await stream.next((m) => m.data.event_id === eventId);
  return { eventId: eventId!, completed: completed.data };
}

async function attemptsOf(relay: RelayProcess, eventId: string) {
  const event = await api(relay.adminUrl, `/admin/events/${eventId}`, { token: TOKEN });
  return event.json.deliveries[0] as {
    state: string;
    attempts: { status: number | null; error: string | null; response: string | null }[];
  };
}

/** The event's mail arrived over TLS, with its subject and the body attached byte for byte. */
async function expectDeliveredOverTls(smtp: TestSmtp, tls: string | undefined, delivery?: string) {
  const { relay, stream } = await mailingRelay(smtp.url('relay', PASSWORD), tls, TRUSTING, delivery);
  const body = { type: 'order.created', n: 7 };
  const { eventId, completed } = await sendEvent(relay, stream, body);
  expect(completed.result).toBe('delivered');
  const mail = await smtp.taken(1);
  expect(mail.secure).toBe(true);
  expect(mail.user).toBe('relay');
  expect(mail.message.subject).toBe('[relay] app order.created');
  const [attachment] = mail.message.attachments;
  expect(attachment).toMatchObject({ filename: `${eventId}.json`, mimeType: 'application/json' });
  expect(Buffer.from(attachment!.content as ArrayBuffer)).toEqual(Buffer.from(JSON.stringify(body)));
  const recorded = await attemptsOf(relay, eventId);
  expect(recorded.state).toBe('delivered');
  expect(recorded.attempts.map((a) => [a.status, a.error])).toEqual([[250, null]]);
  expect(JSON.stringify(relay.logs)).not.toContain(PASSWORD);
}

/** A relay started without the test CA meets a server offering STARTTLS with the test certificate. */
async function expectUntrustedRefused(delivery?: string) {
  const smtp = await startSmtp({ tls: 'starttls' });
  const { relay, stream } = await mailingRelay(smtp.url('relay', PASSWORD), 'required', UNTRUSTING, delivery);
  const { eventId, completed } = await sendEvent(relay, stream, { type: 'm' });
  expect(completed).toMatchObject({ result: 'retry', next_attempt_at: expect.any(String) });
  const recorded = await attemptsOf(relay, eventId);
  expect(recorded.state).toBe('pending');
  expect(recorded.attempts.map((a) => [a.status, a.error])).toEqual([
    [null, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ]);
  // Neither the login nor the message was offered to the server it could not verify.
  expect(smtp.logins).toEqual([]);
  expect(smtp.received).toEqual([]);
  const endpoint = await api(relay.adminUrl, '/admin/endpoints/oncall', { token: TOKEN });
  for (const text of [JSON.stringify(relay.logs), endpoint.text]) expect(text).not.toContain(PASSWORD);
}

describe('e-mail endpoints over TLS, against a spawned relay', () => {
  it('upgrades smtp:// with STARTTLS when the server offers it, without being told to', async () => {
    await expectDeliveredOverTls(await startSmtp({ tls: 'starttls' }), undefined);
  });

  it('with tls: required, delivers through a server that offers STARTTLS', async () => {
    await expectDeliveredOverTls(await startSmtp({ tls: 'starttls' }), 'required');
  });

  it('delivers through smtps://, TLS from the first byte', async () => {
    await expectDeliveredOverTls(await startSmtp({ tls: 'implicit' }), undefined);
  });

  it('with tls: required, a certificate relay does not trust fails the attempt; nothing goes in the clear', async () => {
    await expectUntrustedRefused();
  });

  describe('with delivery.deny_private, where relay opens the socket and TLS runs over it', () => {
    const LOOPBACK_ALLOWED = '{ deny_private: true, allow_networks: [127.0.0.0/8] }';

    it('delivers through smtps:// and through STARTTLS', async () => {
      await expectDeliveredOverTls(await startSmtp({ tls: 'implicit' }), undefined, LOOPBACK_ALLOWED);
      await expectDeliveredOverTls(await startSmtp({ tls: 'starttls' }), 'required', LOOPBACK_ALLOWED);
    });

    it('still refuses a certificate relay does not trust', async () => {
      await expectUntrustedRefused(LOOPBACK_ALLOWED);
    });
  });
});
