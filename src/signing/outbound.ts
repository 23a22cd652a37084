/**
 * Signs one delivery attempt for its endpoint. This runs on every attempt, so
 * each signing config is turned into a signer once (keys decoded, the secret's
 * JSON and form encodings prepared) and cached by config object identity: a
 * reload brings new frozen objects and the old signers are collected with them.
 */
import type { SigningConfig } from '../config/schema.ts';
import { RelayError } from '../errors.ts';
import { hmacSha256 } from './hmac.ts';
import { signStandard, standardKeys } from './standard-webhooks.ts';

export type OutboundMessage = {
  /** The event id, sent as `webhook-id`. */
  id: string;
  /** This attempt's time in whole seconds, sent as `webhook-timestamp`. */
  timestampSec: number;
  body: Buffer;
  /** The event's content type as received (parameters allowed). */
  contentType: string | undefined;
};

export type Signed = { headers: Record<string, string>; body: Buffer };

type Signer = (msg: OutboundMessage) => Signed;

const signers = new WeakMap<SigningConfig, Signer>();

/** The headers to add and the body to send for one attempt; no signing leaves both untouched. */
export function signDelivery(signing: SigningConfig | undefined, msg: OutboundMessage): Signed {
  if (signing === undefined) return { headers: {}, body: msg.body };
  let signer = signers.get(signing);
  if (signer === undefined) {
    signer = makeSigner(signing);
    signers.set(signing, signer);
  }
  return signer(msg);
}

// Schemes other than standard-webhooks carry a single secret: the first one
// set is the current one, the rest only matter to a receiver while rotating.
function firstSecret(secrets: readonly string[]): string {
  const secret = secrets.find((s) => s !== '');
  if (secret === undefined) throw new RelayError('RELAY_ERR_CONFIG', 'signing needs a secret');
  return secret;
}

function makeSigner(signing: SigningConfig): Signer {
  switch (signing.scheme) {
    case 'standard-webhooks': {
      const keys = standardKeys(signing);
      if (keys.length === 0) throw new RelayError('RELAY_ERR_CONFIG', 'signing needs a secret');
      return (msg) => ({
        headers: { 'webhook-signature': signStandard(keys, msg.id, msg.timestampSec, msg.body) },
        body: msg.body,
      });
    }
    case 'hmac-sha256': {
      const secret = firstSecret(signing.secrets);
      return (msg) => ({
        headers: { [signing.header]: `sha256=${hmacSha256(secret, msg.body).toString('hex')}` },
        body: msg.body,
      });
    }
    case 'header': {
      const headers = { [signing.header]: firstSecret(signing.secrets) };
      return (msg) => ({ headers: { ...headers }, body: msg.body });
    }
    case 'body_field':
      return bodyFieldSigner(signing.field, firstSecret(signing.secrets));
  }
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase();
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * TextLink style: the secret travels inside the body. It is inserted right
 * after the object's `{` (or appended to a form body) so every byte of the
 * event stays as stored; bodies of any other kind are sent unsigned.
 */
function bodyFieldSigner(field: string, secret: string): Signer {
  const member = `${JSON.stringify(field)}:${JSON.stringify(secret)}`;
  const jsonMember = Buffer.from(member);
  const jsonMemberComma = Buffer.from(`${member},`);
  const formPair = new URLSearchParams([[field, secret]]).toString();
  const formPairFirst = Buffer.from(formPair);
  const formPairNext = Buffer.from(`&${formPair}`);

  return (msg) => {
    const { body } = msg;
    const type = mediaType(msg.contentType);
    if (type === 'application/x-www-form-urlencoded') {
      return { headers: {}, body: Buffer.concat([body, body.length === 0 ? formPairFirst : formPairNext]) };
    }
    const isJsonType = type === undefined || type === 'application/json' || type.endsWith('+json');
    let open = 0;
    while (isSpace(body[open])) open++;
    if (!isJsonType || body[open] !== 0x7b) return { headers: {}, body };

    let next = open + 1;
    while (isSpace(body[next])) next++;
    const insert = body[next] === 0x7d ? jsonMember : jsonMemberComma;
    return {
      headers: {},
      body: Buffer.concat([body.subarray(0, open + 1), insert, body.subarray(open + 1)]),
    };
  };
}
