import type { AddressInfo } from 'node:net';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { afterEach } from 'vitest';

/** One mail the server took: its envelope, its parsed message and the credentials it was sent with. */
export interface ReceivedMail {
  from: string;
  to: string[];
  message: Email;
  user: string | undefined;
}

/** What the server answers to the n-th message (1-based): undefined takes it, a reply code refuses it. */
export type Script = (n: number) => { code: number; text: string } | undefined;

export interface TestSmtp {
  /** smtp://user:pass@127.0.0.1:port, or without credentials. */
  url(user?: string, pass?: string): string;
  /** Every message received so far, taken or refused, in order. */
  readonly received: ReceivedMail[];
  /** Resolves with the n-th message taken (1-based), at once if it already arrived. */
  taken(n: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const servers: SMTPServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((r) => server.close(() => r()))));
});

/**
 * A real SMTP server on 127.0.0.1, port 0, closed after the test. It offers
 * no STARTTLS unless `starttls` (the relay under test trusts no test
 * certificate) and takes any login unless `refuseLogin` (`allowInsecureAuth`: the credentials
 * cross loopback in the clear, which is what lets a test see them arrive).
 */
export async function startSmtp(
  options: { script?: Script; starttls?: boolean; refuseLogin?: boolean } = {},
): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const taken: ReceivedMail[] = [];
  const waiting = new Map<number, (mail: ReceivedMail) => void>();
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    logger: false,
    // A relay's pooled connection may outlive its test by a moment: do not wait 30 s for it.
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
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
    url: (user, pass) => `smtp://${user ? `${user}:${pass ?? ''}@` : ''}127.0.0.1:${port}`,
    received,
    taken: (n) =>
      taken[n - 1] ? Promise.resolve(taken[n - 1]!) : new Promise((resolve) => waiting.set(n, resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
