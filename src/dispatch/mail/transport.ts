import nodemailer, { type SMTPPoolOptions, type Transporter } from 'nodemailer';
import type { EmailConfig } from '../../config/schema.ts';
import { type AddressPolicy, publicOnlyTcp } from '../address-policy.ts';

export type MailTransport = Transporter;

/**
 * An e-mail endpoint's pooled SMTP connections, the counterpart of a
 * webhook lane's undici Pool: at most `concurrency` connections, each
 * reused for the next mail.
 *
 * `smtp://` uses STARTTLS whenever the server offers it (nodemailer's
 * default) and `tls: required` refuses a server that does not; `smtps://` is
 * TLS from the first byte. With `delivery.deny_private` the socket is opened
 * here, so the host's resolved addresses are checked as a webhook's are.
 */
export function createMailTransport(
  email: EmailConfig,
  concurrency: number,
  timeoutMs: number,
  policy: AddressPolicy,
): MailTransport {
  const url = new URL(email.smtp);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const options: SMTPPoolOptions = {
    pool: true,
    maxConnections: concurrency,
    // A pooled connection the server dropped while idle gets one more try on a fresh one, within the attempt.
    maxRequeues: 1,
    host,
    port,
    secure,
    requireTLS: email.tls === 'required',
    ...(url.username === ''
      ? {}
      : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    // The attempt's signal bounds the whole send; these are nodemailer's own backstops.
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Its logger would print the conversation, AUTH included: never on.
    logger: false,
    debug: false,
  };
  if (policy.denyPrivate) {
    const open = publicOnlyTcp(policy.allowNetworks);
    options.getSocket = (_options, callback) => {
      const socket = open(host, port);
      const failed = (error: Error) => callback(error);
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.off('error', failed);
        callback(null, { connection: socket });
      });
    };
  }
  return nodemailer.createTransport(options);
}
