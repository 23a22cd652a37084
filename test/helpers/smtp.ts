import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { afterEach } from 'vitest';

/** One mail the server took: its envelope, its parsed message and the credentials it was sent with. */
export interface ReceivedMail {
  from: string;
  to: string[];
  message: Email;
  user: string | undefined;
  /** Whether the session was TLS when the message came: STARTTLS done, or `smtps` from the start. */
  secure: boolean;
}

/** What the server answers to the n-th message (1-based): undefined takes it, a reply code refuses it. */
export type Script = (n: number) => { code: number; text: string } | undefined;

export interface TestSmtp {
  /** smtp://user:pass@127.0.0.1:port (smtps:// with `tls: 'implicit'`), or without credentials. */
  url(user?: string, pass?: string): string;
  /** Every message received so far, taken or refused, in order. */
  readonly received: ReceivedMail[];
  /** The user name of every login tried, taken or refused, in order. */
  readonly logins: string[];
  /** Resolves with the n-th message taken (1-based), at once if it already arrived. */
  taken(n: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const servers: SMTPServer[] = [];

/** A certificate for 127.0.0.1 and localhost; see test/fixtures/tls/README.md. */
const TLS_FIXTURES = resolve(import.meta.dirname, '../fixtures/tls');
export const TEST_CA = resolve(TLS_FIXTURES, 'ca.pem');

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((r) => server.close(() => r()))));
});

/**
 * A real SMTP server on 127.0.0.1, port 0, closed after the test. It speaks
 * no TLS unless `tls`: `starttls` offers STARTTLS, `implicit` is TLS from the
 * first byte (smtps), both with the test certificate, which a relay trusts
 * only when started with NODE_EXTRA_CA_CERTS=TEST_CA. It takes any login
 * unless `refuseLogin` (`allowInsecureAuth`: without TLS the credentials
 * cross loopback in the clear, which is what lets a test see them arrive).
 */
export async function startSmtp(
  options: { script?: Script; tls?: 'starttls' | 'implicit'; refuseLogin?: boolean } = {},
): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const logins: string[] = [];
  const taken: ReceivedMail[] = [];
  const waiting = new Map<number, (mail: ReceivedMail) => void>();
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: options.tls ? [] : ['STARTTLS'],
    ...(options.tls
      ? {
          secure: options.tls === 'implicit',
          key: readFileSync(resolve(TLS_FIXTURES, 'key.pem')),
          cert: readFileSync(resolve(TLS_FIXTURES, 'cert.pem')),
        }
      : {}),
    logger: false,
    // A relay's pooled connection may outlive its test by a moment: do not wait 30 s for it.
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      logins.push(auth.username ?? '');
      if (options.refuseLogin)
        callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
      else callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const message = await PostalMime.parse(Buffer.concat(chunks));
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          message,
          user: typeof session.user === 'string' ? session.user : undefined,
          secure: session.secure,
        };
        received.push(mail);
        const refusal = options.script?.(received.length);
        if (refusal) {
          callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
          return;
        }
        taken.push(mail);
        waiting.get(taken.length)?.(mail);
        callback(null, 'queued');
      });
    },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: (user, pass) =>
      `${options.tls === 'implicit' ? 'smtps' : 'smtp'}://${user ? `${user}:${pass ?? ''}@` : ''}127.0.0.1:${port}`,
    received,
    logins,
    taken: (n) =>
      taken[n - 1] ? Promise.resolve(taken[n - 1]!) : new Promise((resolve) => waiting.set(n, resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
