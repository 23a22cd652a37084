import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MASK, maskedConfig } from '../../src/config/mask.ts';
import { testConfig } from '../helpers/relay.ts';
import { tempDir } from '../helpers/temp.ts';

const WHSEC = `whsec_${Buffer.from('a-standard-webhooks-key-of-32-b!').toString('base64')}`;

/** Every place a config holds a secret, each with a value of its own. */
const SECRETS = {
  header: 'hdr-secret-1',
  bodyField: 'body-secret-2',
  standard: WHSEC,
  hmac: 'hmac-secret-3',
  bearerOld: 'bearer-old-4',
  bearerNew: 'bearer-new-5',
  query: 'query-token-6',
  fromFile: 'file-secret-7',
  signing: 'signing-secret-8',
  admin: 'admin-token-9',
  headerValue: 'Bearer header-value-10',
  urlPassword: 'url-password-11',
  urlQuery: 'url-query-12',
};

/** A config that holds each of SECRETS. */
function configWithEverySecret() {
  const dir = tempDir();
  writeFileSync(join(dir, 'secret.txt'), `${SECRETS.fromFile}\n`);
  return testConfig(
    `
admin: { token: ${SECRETS.admin} }
sources:
  header: { verify: { header: x-secret, secret: ${SECRETS.header} } }
  body: { verify: { body_field: secret, secret: ${SECRETS.bodyField} } }
  standard: { verify: { scheme: standard-webhooks, secret: "${SECRETS.standard}" } }
  hmac: { verify: { scheme: hmac-sha256, header: x-sig, secret: ${SECRETS.hmac} } }
  bearer: { verify: { scheme: bearer, secret: [${SECRETS.bearerNew}, ${SECRETS.bearerOld}] } }
  query: { verify: { scheme: query, param: token, secret: ${SECRETS.query} } }
  file: { verify: { scheme: bearer, secret_file: secret.txt } }
defaults:
  signing: { scheme: hmac-sha256, header: x-signature, secret: ${SECRETS.signing} }
endpoints:
  crm:
    url: "https://user:${SECRETS.urlPassword}@crm.example.com/hook?token=${SECRETS.urlQuery}"
    headers: { Authorization: "${SECRETS.headerValue}" }
routes: [{ from: "*", to: [crm] }]
`,
    {},
    dir,
  );
}

describe('maskedConfig', () => {
  it('replaces every secret with *** and keeps the rest', () => {
    const config = configWithEverySecret();
    const masked = maskedConfig(config);
    const text = JSON.stringify(masked);
    for (const [where, secret] of Object.entries(SECRETS)) {
      expect(text, where).not.toContain(secret.replace(/^Bearer /, ''));
    }
    expect(masked.admin.token).toBe(MASK);
    expect(masked.sources.bearer!.verify).toEqual({ scheme: 'bearer', secrets: [MASK, MASK] });
    expect(masked.sources.hmac!.verify).toEqual({ scheme: 'hmac-sha256', header: 'x-sig', secrets: [MASK] });
    expect(masked.endpoints.crm).toMatchObject({
      url: 'https://***:***@crm.example.com/hook?token=***',
      headers: { Authorization: MASK },
      signing: { scheme: 'hmac-sha256', header: 'x-signature', secrets: [MASK] },
    });
    expect(masked.routes).toEqual(config.routes);
    expect(masked.storage).toEqual(config.storage);
  });

  it('leaves an unset admin token unset', () => {
    expect(maskedConfig(testConfig('sources: { app: {} }')).admin.token).toBeUndefined();
  });
});
