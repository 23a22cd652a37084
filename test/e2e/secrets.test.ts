import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnRelay, writeDaemonConfig } from '../helpers/process.ts';
import { startTarget } from '../helpers/target.ts';
import { tempDir } from '../helpers/temp.ts';

const SECRETS = {
  header: 'sec-header-7f3a9c',
  body: 'sec-body-81bd2e',
  hmac: 'sec-hmac-4c0d17',
  bearer: 'sec-bearer-e92a55',
  query: 'sec-query-3b7710',
  file: 'sec-file-a1c4f0',
  signing: 'sec-signing-5d2e99',
  admin: 'sec-admin-0c8b31',
  url: 'sec-url-6e04aa',
  standard: Buffer.from('sec-standard-key-19d7').toString('base64'),
};

describe('secrets', () => {
  it('appear in no log line, admin answer, check output or error message', async () => {
    const target = await startTarget((r) => (r.path.startsWith('/fail') ? { status: 500 } : { status: 200 }));
    const dir = tempDir();
    writeFileSync(join(dir, 'file.secret'), `${SECRETS.file}\n`);
    const config = writeDaemonConfig(
      dir,
      `admin: { token: "${SECRETS.admin}" }
sources:
  header: { verify: { header: x-secret, secret: ["${SECRETS.header}"] }, type: { field: type } }
  body: { verify: { body_field: secret, secret: "${SECRETS.body}" }, type: { field: type } }
  hmac: { verify: { scheme: hmac-sha256, header: x-sig, secret: "${SECRETS.hmac}" }, type: { field: type } }
  bearer: { verify: { scheme: bearer, secret: "${SECRETS.bearer}" }, type: { field: type } }
  query: { verify: { scheme: query, param: token, secret: "${SECRETS.query}" }, type: { field: type } }
  file: { verify: { scheme: bearer, secret_file: ./file.secret }, type: { field: type } }
  standard: { verify: { scheme: standard-webhooks, secret: "whsec_${SECRETS.standard}" }, type: { field: type } }
endpoints:
  signed:
    url: "${target.url}/ok?key=${SECRETS.url}"
    signing: { scheme: hmac-sha256, header: x-signature, secret: "${SECRETS.signing}" }
    headers: { Authorization: "Bearer ${SECRETS.url}" }
  failing: { url: "http://user:${SECRETS.url}@127.0.0.1:${new URL(target.url).port}/fail", retry: { schedule: [] } }
routes: [{ from: "*", types: "*", to: [signed, failing] }]
`,
    );
    const relay = await spawnRelay(['--config', config, '--log-level', 'trace']);
    const seen: string[] = [];
    const ingest = async (path: string, body: string, headers: Record<string, string>) => {
      const res = await fetch(`${relay.ingestUrl}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      seen.push(await res.text());
    };
    for (const good of [true, false]) {
      const pick = (secret: string) => (good ? secret : `${secret}-wrong`);
      await ingest('/in/header', '{"type":"a"}', { 'x-secret': pick(SECRETS.header) });
      await ingest('/in/body', `{"secret":"${pick(SECRETS.body)}","type":"a"}`, {});
      await ingest('/in/hmac', '{"type":"a"}', { 'x-sig': `sha256=${'0'.repeat(64)}` });
      await ingest('/in/bearer', '{"type":"a"}', { authorization: `Bearer ${pick(SECRETS.bearer)}` });
      await ingest(`/in/query?token=${pick(SECRETS.query)}`, '{"type":"a"}', {});
      await ingest('/in/file', '{"type":"a"}', { authorization: `Bearer ${pick(SECRETS.file)}` });
    }
    await target.waitFor(5, 15_000, (r) => r.path.startsWith('/ok'));
    await target.waitFor(5, 15_000, (r) => r.path.startsWith('/fail'));
    const admin = async (path: string, method = 'GET', token = SECRETS.admin) => {
      const res = await fetch(`${relay.adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      seen.push(text);
      return text;
    };
    await admin('/admin/endpoints', 'GET', 'wrong-token');
    await admin('/admin/endpoints');
    await admin('/admin/endpoints/signed');
    await admin('/admin/endpoints/signed/test', 'POST');
    await admin('/admin/endpoints/failing/test', 'POST');
    const events = JSON.parse(await admin('/admin/events?limit=100')) as { events: { id: string }[] };
    for (const event of events.events) await admin(`/admin/events/${event.id}`);
    await admin('/admin/backlogs');
    await admin('/admin/config');
    await admin('/readyz');
    seen.push(await (await fetch(`${relay.adminUrl}/metrics`)).text());
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    seen.push(JSON.stringify(relay.logs));

    const check = await runCli(['check', '--config', config]);
    seen.push(check.stdout, check.stderr);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      `sources:\n  s: { verify: { scheme: standard-webhooks, secret: "${SECRETS.header}" }, bogus: "${SECRETS.body}" }\nendpoints:\n  e: { url: "ftp://${SECRETS.url}@x" }\n`,
    );
    const refused = await runCli(['check', '--config', broken]);
    expect(refused.code).toBe(2);
    seen.push(refused.stdout, refused.stderr);

    const everything = seen.join('\n');
    expect(everything.length).toBeGreaterThan(10_000);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(everything.includes(secret), `secret "${name}" leaked`).toBe(false);
    }
  });
});
