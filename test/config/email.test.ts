// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about the literal ${VAR} syntax
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { parse, problemsOf } from './problems.ts';

const SMTP = 'smtp://relay:s3cret-pass@mail.example.com:587';

describe('parseConfig: e-mail endpoints', () => {
  it('takes an email block instead of a url; the url shown is where the mails go', () => {
    const config = parse(`
defaults:
  signing: { scheme: hmac-sha256, header: X-Sig, secret: shared }
  headers: { X-Team: sms }
endpoints:
  oncall:
    email: { smtp: "${SMTP}", from: relay@example.com, to: [oncall@example.com, ops@example.com] }
    concurrency: 2
`);
    expect(config.endpoints.oncall).toMatchObject({
      url: 'mailto:oncall@example.com,ops@example.com',
      email: {
        smtp: SMTP,
        from: 'relay@example.com',
        to: ['oncall@example.com', 'ops@example.com'],
        tls: 'when_offered',
      },
      concurrency: 2,
      // The HTTP-only defaults do not reach an e-mail endpoint.
      signing: undefined,
      headers: {},
      success: undefined,
    });
  });

  it('reads smtp from ${ENV} or smtp_file like any secret; one recipient may be written alone', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'smtp.url'), 'smtps://u:p@mail.example.com\n');
    const config = parse(
      `
endpoints:
  env: { email: { smtp: "\${SMTP_URL}", from: relay@example.com, to: oncall@example.com, tls: required } }
  file: { email: { smtp_file: smtp.url, from: relay@example.com, to: [oncall@example.com] } }
`,
      { SMTP_URL: SMTP },
      dir,
    );
    expect(config.endpoints.env!.email).toEqual({
      smtp: SMTP,
      from: 'relay@example.com',
      to: ['oncall@example.com'],
      tls: 'required',
    });
    expect(config.endpoints.file!.email!.smtp).toBe('smtps://u:p@mail.example.com');
  });

  it('refuses what cannot be an e-mail endpoint, never quoting the smtp URL', () => {
    const problems = problemsOf(() =>
      parse(`
endpoints:
  both: { url: "https://a.example.com/", email: { smtp: "${SMTP}", from: relay@example.com, to: [a@example.com] } }
  neither: { timeout: 1s }
  signed:
    email: { smtp: "${SMTP}", from: relay@example.com, to: [a@example.com] }
    signing: { scheme: standard-webhooks, secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw }
  http: { email: { smtp: "https://relay:s3cret-pass@mail.example.com", from: relay@example.com, to: [a@example.com] } }
  nobody: { email: { smtp: "${SMTP}", from: relay, to: [] } }
  tls: { email: { smtp: "${SMTP}", from: relay@example.com, to: [a@example.com], tls: sometimes } }
`),
    );
    expect(problems).toEqual([
      'endpoints.both.email: give either url or email, not both',
      'endpoints.neither.url: required (or email, for an e-mail endpoint)',
      'endpoints.signed.signing: does not apply to an e-mail endpoint',
      'endpoints.http.email.smtp: must be an smtp:// or smtps:// URL with a host, like smtp://user:pass@smtp.example.com:587',
      'endpoints.nobody.email.from: must be an e-mail address like oncall@example.com',
      'endpoints.nobody.email.to: must not be empty',
      'endpoints.tls.email.tls: must be one of: required, when_offered',
    ]);
    expect(problems.join('\n')).not.toContain('s3cret-pass');
  });

  it('with delivery.require_https, wants TLS for mail too: smtps:// or tls: required', () => {
    const endpoints = `
endpoints:
  starttls: { email: { smtp: "${SMTP}", from: relay@example.com, to: [a@example.com] } }
  required: { email: { smtp: "${SMTP}", from: relay@example.com, to: [a@example.com], tls: required } }
  implicit: { email: { smtp: "smtps://u:p@mail.example.com", from: relay@example.com, to: [a@example.com] } }
`;
    expect(problemsOf(() => parse(`delivery: { require_https: true }\n${endpoints}`))).toEqual([
      'endpoints.starttls.email.tls: must be required, or smtp an smtps:// URL (delivery.require_https is on)',
    ]);
    expect(Object.keys(parse(endpoints).endpoints)).toEqual(['starttls', 'required', 'implicit']);
  });
});
