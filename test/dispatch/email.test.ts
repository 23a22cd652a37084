import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type SettledMessage, settledChannel } from '../../src/dispatch/observe.ts';
import { createLogger } from '../../src/log.ts';
import { startRelay } from '../../src/main.ts';
import { api } from '../admin/api.ts';
import { post, startTestRelay, testConfig } from '../helpers/relay.ts';
import { type Script, startSmtp } from '../helpers/smtp.ts';
import { startTarget } from '../helpers/target.ts';

const PASSWORD = 'hunter2-smtp-pass';
const TOKEN = 'admin-token';

const ONE_RETRY = '{ schedule: [50ms], jitter: 0 }';
const NO_RETRY = '{ schedule: [], jitter: 0 }';

function mailConfig(smtpUrl: string, options: { retry?: string; tls?: string; delivery?: string } = {}) {
  const tls = options.tls ? `, tls: ${options.tls}` : '';
  return testConfig(`
admin: { token: ${TOKEN} }
delivery: ${options.delivery ?? '{}'}
sources: { app: { type: { field: type } } }
endpoints:
  oncall:
    email: { smtp: "${smtpUrl}", from: relay@example.com, to: [oncall@example.com, ops@example.com]${tls} }
    retry: ${options.retry ?? ONE_RETRY}
routes:
  - { from: [app], types: "*", to: [oncall] }
`);
}

/** Resolves with the first settlement `match` accepts; subscribe before causing it. */
function settled(match: (message: SettledMessage) => boolean): Promise<SettledMessage> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if (!match(message as SettledMessage)) return;
      settledChannel.unsubscribe(listener);
      resolve(message as SettledMessage);
    };
    settledChannel.subscribe(listener);
  });
}

const ofKind = (kind: SettledMessage['settlement']['kind']) => (m: SettledMessage) =>
  m.endpoint === 'oncall' && m.settlement.kind === kind;

/** A logger at trace level whose every line is kept, to look for what must never be logged. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('trace', destination), text: () => lines.join('') };
}

async function postEvent(ingestUrl: string, body: string): Promise<string> {
  const res = await post(`${ingestUrl}/in/app`, body);
  expect(res.status).toBe(200);
  return (res.json() as { id: string }).id;
}

/** The attempts of one event's delivery through a relay whose endpoint gets one try (NO_RETRY). */
async function deadAttempts(config: ReturnType<typeof mailConfig>) {
  const relay = await startTestRelay(config);
  const dead = settled(ofKind('dead'));
  const eventId = await postEvent(relay.ingestUrl, '{"type":"m"}');
  await dead;
  return (await attemptsOf(relay.adminUrl, eventId)).attempts;
}

async function attemptsOf(adminUrl: string, eventId: string) {
  const event = await api(adminUrl, `/admin/events/${eventId}`, { token: TOKEN });
  const [delivery] = event.json.deliveries;
  return delivery as {
    state: string;
    attempts: { status: number | null; error: string | null; response: string | null }[];
  };
}

describe('e-mail endpoints', () => {
  it('delivers an event as a mail: subject, envelope, summary, the body attached byte for byte; no credential leaks', async () => {
    const smtp = await startSmtp();
    const logs = capturingLogger();
    const relay = await startRelay(mailConfig(smtp.url('relay', PASSWORD)), { log: logs.log });
    const answers: string[] = [];
    try {
      const body = '{"type":"message.received","text":"héllo ✓",\n  "n": 1 }';
      const delivered = settled(ofKind('delivered'));
      const eventId = await postEvent(relay.ingestUrl, body);
      const mail = await smtp.taken(1);
      await delivered;

      expect(mail.user).toBe('relay');
      expect(mail.from).toBe('relay@example.com');
      expect(mail.to).toEqual(['oncall@example.com', 'ops@example.com']);
      expect(mail.message.subject).toBe('[relay] app message.received');
      expect(mail.message.messageId).toBe(`<${eventId}.oncall@example.com>`);
      expect(mail.message.text).toMatch(/^source: +app$/m);
      expect(mail.message.text).toMatch(/^type: +message\.received$/m);
      expect(mail.message.text).toMatch(new RegExp(`^event id: +${eventId}$`, 'm'));
      expect(mail.message.text).toMatch(/^received: +\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      const [attachment] = mail.message.attachments;
      expect(attachment).toMatchObject({ filename: `${eventId}.json`, mimeType: 'application/json' });
      expect(Buffer.from(attachment!.content as ArrayBuffer)).toEqual(Buffer.from(body));

      const delivery = await attemptsOf(relay.adminUrl, eventId);
      expect(delivery.state).toBe('delivered');
      expect(delivery.attempts).toEqual([{ ...delivery.attempts[0], status: 250, error: null }]);
      expect(delivery.attempts[0]!.response).toMatch(/^250 /);

      const endpoint = await api(relay.adminUrl, '/admin/endpoints/oncall', { token: TOKEN });
      expect(endpoint.json).toMatchObject({
        url: 'mailto:oncall@example.com,ops@example.com',
        smtp: expect.stringMatching(/^smtp:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+$/),
        last_attempt: { status: 250, error: null },
      });
      const list = await api(relay.adminUrl, '/admin/endpoints', { token: TOKEN });
      answers.push(endpoint.text, list.text);
    } finally {
      await relay.close();
    }
    expect(logs.text()).toContain('relay stopped');
    for (const text of [...answers, logs.text()]) expect(text).not.toContain(PASSWORD);
  });

  it('records a refused login as the reply the server gave, the password in no log, answer or attempt', async () => {
    const smtp = await startSmtp({ refuseLogin: true });
    const logs = capturingLogger();
    const relay = await startRelay(mailConfig(smtp.url('relay', PASSWORD), { retry: NO_RETRY }), {
      log: logs.log,
    });
    let answer = '';
    try {
      const dead = settled(ofKind('dead'));
      const eventId = await postEvent(relay.ingestUrl, '{"type":"m"}');
      await dead;
      const event = await api(relay.adminUrl, `/admin/events/${eventId}`, { token: TOKEN });
      expect(event.json.deliveries[0].attempts).toEqual([
        expect.objectContaining({ status: 535, error: 'EAUTH', response: expect.stringMatching(/^535 /) }),
      ]);
      answer = event.text;
    } finally {
      await relay.close();
    }
    expect(logs.text()).toContain('delivery is dead');
    for (const text of [answer, logs.text()]) expect(text).not.toContain(PASSWORD);
  });

  it('retries a mail the server refused with a 4xx reply, then delivers it', async () => {
    const script: Script = (n) => (n === 1 ? { code: 451, text: 'mailbox busy, try later' } : undefined);
    const smtp = await startSmtp({ script });
    const relay = await startTestRelay(mailConfig(smtp.url()));
    const retried = settled(ofKind('retry'));
    const delivered = settled(ofKind('delivered'));
    const eventId = await postEvent(relay.ingestUrl, '{"type":"m"}');
    await retried;
    await delivered;
    const delivery = await attemptsOf(relay.adminUrl, eventId);
    expect(delivery.state).toBe('delivered');
    expect(delivery.attempts.map((a) => [a.status, a.error])).toEqual([
      [451, 'EMESSAGE'],
      [250, null],
    ]);
    expect(delivery.attempts[0]!.response).toBe('451 mailbox busy, try later');
    expect(smtp.received).toHaveLength(2);
  });

  it('counts a 5xx permanent refusal as a failed attempt on the schedule, dead once it is used up', async () => {
    const smtp = await startSmtp({ script: () => ({ code: 554, text: 'relay access denied' }) });
    const relay = await startTestRelay(mailConfig(smtp.url()));
    const retried = settled(ofKind('retry'));
    const dead = settled(ofKind('dead'));
    const eventId = await postEvent(relay.ingestUrl, '{"type":"m"}');
    expect((await retried).settlement).toMatchObject({ kind: 'retry', at: expect.any(Number) });
    await dead;
    const delivery = await attemptsOf(relay.adminUrl, eventId);
    expect(delivery.state).toBe('dead');
    expect(delivery.attempts.map((a) => [a.status, a.error, a.response])).toEqual([
      [554, 'EMESSAGE', '554 relay access denied'],
      [554, 'EMESSAGE', '554 relay access denied'],
    ]);
  });

  it("sends the admin API's test event as a mail, reporting the server's reply", async () => {
    const smtp = await startSmtp();
    const relay = await startTestRelay(mailConfig(smtp.url()));
    const answer = await api(relay.adminUrl, '/admin/endpoints/oncall/test', { token: TOKEN, body: {} });
    expect(answer.json).toMatchObject({ ok: true, status: 250, type: 'relay.test', error: null });
    const mail = await smtp.taken(1);
    expect(mail.message.subject).toBe('[relay] relay relay.test: oncall');
  });

  it('records an SMTP server that is not there like a webhook that is not: a connection error', async () => {
    const smtp = await startSmtp();
    const url = smtp.url();
    await smtp.close();
    const attempts = await deadAttempts(mailConfig(url, { retry: NO_RETRY }));
    expect(attempts.map((a) => [a.status, a.error])).toEqual([[null, 'ECONNREFUSED']]);
  });

  it('with tls: required, refuses a server that offers no STARTTLS instead of sending in the clear', async () => {
    const smtp = await startSmtp();
    const config = mailConfig(smtp.url('relay', PASSWORD), { retry: NO_RETRY, tls: 'required' });
    // The server's refusal of STARTTLS is the reply recorded.
    expect((await deadAttempts(config))[0]).toMatchObject({ status: 500, error: 'ETLS' });
    expect(smtp.received).toHaveLength(0);
  });

  it('with delivery.deny_private, refuses an SMTP server on a private address', async () => {
    const smtp = await startSmtp();
    const config = mailConfig(smtp.url(), { retry: NO_RETRY, delivery: '{ deny_private: true }' });
    const attempts = await deadAttempts(config);
    expect(attempts.map((a) => [a.status, a.error])).toEqual([[null, 'RELAY_ERR_PRIVATE_ADDRESS']]);
    expect(smtp.received).toHaveLength(0);
  });

  it("mails relay's own delivery.dead to the operators, with its key fields in the summary", async () => {
    const smtp = await startSmtp();
    const target = await startTarget(() => ({ status: 500 }));
    const config = testConfig(`
sources: { app: { type: { field: type } } }
endpoints:
  hook: { url: "${target.url}/hook", retry: { schedule: [], jitter: 0 } }
  oncall: { email: { smtp: "${smtp.url()}", from: relay@example.com, to: [oncall@example.com] } }
routes:
  - { from: [app], types: "*", to: [hook] }
  - { from: [relay], types: [delivery.dead, endpoint.disabled], to: [oncall] }
`);
    const first = await startTestRelay(config);
    const died = settled((m) => m.endpoint === 'hook' && m.settlement.kind === 'dead');
    const eventId = await postEvent(first.ingestUrl, '{"type":"m"}');
    await died;
    // delivery.dead groups a minute of deaths; closing flushes the report into the outbox,
    // and the next start mails it.
    await first.close();
    await startTestRelay(config);
    const mail = await smtp.taken(1);
    expect(mail.message.subject).toBe('[relay] relay delivery.dead: hook');
    expect(mail.message.text).toMatch(/^endpoint: +hook$/m);
    expect(mail.message.text).toMatch(/^count: +1$/m);
    expect(mail.message.text).toMatch(new RegExp(`event_id ${eventId}, attempts 1, last_status 500`));
    const report = JSON.parse(Buffer.from(mail.message.attachments[0]!.content as ArrayBuffer).toString());
    expect(report).toMatchObject({ type: 'delivery.dead', endpoint: 'hook', count: 1 });
  });
});
