/**
 * Smoke test of the single executable, as a user meets it: dist/relay copied
 * alone into an empty temp dir, no `node` on PATH, no node_modules, and a
 * NODE_OPTIONS it must ignore.
 *
 *   npm run build:sea && npm run smoke        (RELAY_KEEP_TEMP=1 keeps the temp dir)
 *
 * Steps: `relay --version`, `relay schema`, `relay check`, then the daemon:
 * /healthz and /readyz, an event posted to /in/app reaches a local target with
 * a valid Standard Webhooks signature and a local SMTP server as a mail (nodemailer inside the
 * bundle), /metrics counts it, SIGTERM exits 0,
 * and the addon was written beside the database under its SHA-256. Exits 1 at
 * the first failed step. All traffic stays on 127.0.0.1.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import pkg from '../package.json' with { type: 'json' };
import { type Daemon, isolate, runToEnd, StepError, startDaemon, stopDaemon } from './lib/isolated.ts';

const OVERALL_TIMEOUT_MS = 90_000;
const DELIVERY_TIMEOUT_MS = 15_000;

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    console.log(`smoke: ok   ${name} (${Math.round(performance.now() - started)} ms)`);
    return result;
  } catch (error) {
    const reason = error instanceof StepError ? error.message : ((error as Error).stack ?? String(error));
    throw new StepError(`${name}: ${reason}`);
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StepError(message);
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StepError(`${what}: nothing within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `fn` until it returns a value or `ms` pass. */
async function eventually<T>(ms: number, what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new StepError(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Standard Webhooks: base64 HMAC-SHA256 over `id.timestamp.body` with the decoded whsec_ key. */
function signatureProblem(secret: string, received: Received, nowSeconds: number): string | undefined {
  const id = received.headers['webhook-id'];
  const timestamp = received.headers['webhook-timestamp'];
  const signature = received.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
    return `missing webhook-id, -timestamp or -signature (headers: ${Object.keys(received.headers).join(', ')})`;
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return `webhook-timestamp ${timestamp} is not now`;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${id}.${timestamp}.`)
    .update(received.body)
    .digest('base64');
  const offered = signature.split(' ').map((part) => part.split(',', 2));
  if (!offered.some(([version, value]) => version === 'v1' && value === expected)) {
    return `webhook-signature ${signature} does not verify (expected v1,${expected})`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const box = isolate('relay-smoke-');
  const target = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/hook') {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
        onDelivery?.();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  const deliveries: Received[] = [];
  let onDelivery: (() => void) | undefined;
  let onMail: ((mail: Email) => void) | undefined;
  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void PostalMime.parse(Buffer.concat(chunks)).then((mail) => onMail?.(mail));
        callback(null);
      });
    },
  });
  let daemon: Daemon | undefined;
  const overall = setTimeout(() => {
    console.error(`smoke: FAILED: still running after ${OVERALL_TIMEOUT_MS} ms`);
    box.cleanup();
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);

  try {
    const { dir, executable } = box;
    const ingestToken = randomBytes(16).toString('hex');
    const whsec = `whsec_${randomBytes(24).toString('base64')}`;
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPassword = randomBytes(16).toString('hex');
    const smtpUrl = `smtp://smoke:${smtpPassword}@127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    const env = {
      ...box.env,
      SMOKE_INGEST_TOKEN: ingestToken,
      SMOKE_WHSEC: whsec,
      SMOKE_TARGET_URL: targetUrl,
      SMOKE_SMTP_URL: smtpUrl,
    };
    const config = join(dir, 'relay.yaml');
    writeFileSync(
      config,
      `listen: { ingest: "127.0.0.1:0", admin: "127.0.0.1:0" }
storage: { path: ./data/relay.db }
delivery: { shutdown_grace: 2s }
sources:
  app:
    verify: { scheme: bearer, secret: "\${SMOKE_INGEST_TOKEN}" }
    type: { field: type }
endpoints:
  target:
    url: "\${SMOKE_TARGET_URL}"
    signing: { scheme: standard-webhooks, secret: "\${SMOKE_WHSEC}" }
    timeout: 5s
  mail:
    email: { smtp: "\${SMOKE_SMTP_URL}", from: relay@example.com, to: [oncall@example.com] }
    timeout: 5s
routes:
  - { name: everything, from: [app], types: "*", to: [target, mail] }
`,
    );
    const run = { cwd: dir, env };

    await step('relay --version (no node on PATH, NODE_OPTIONS ignored, no warning)', async () => {
      const result = await runToEnd(executable, ['--version'], run);
      check(result.code === 0, `exit code ${result.code}: ${result.stderr}`);
      check(
        result.stdout.trim() === pkg.version,
        `printed ${JSON.stringify(result.stdout)}, not ${pkg.version}`,
      );
      check(result.stderr === '', `wrote to stderr: ${result.stderr}`);
    });

    await step('relay schema', async () => {
      const result = await runToEnd(executable, ['schema'], run);
      check(result.code === 0, `exit code ${result.code}: ${result.stderr}`);
      const schema = JSON.parse(result.stdout) as { properties?: Record<string, unknown> };
      check(schema.properties?.endpoints, 'the schema has no `endpoints` property');
    });

    await step('relay check --config relay.yaml', async () => {
      const result = await runToEnd(executable, ['check', '--config', config], run);
      check(result.code === 0, `exit code ${result.code}: ${result.stderr}`);
      check(
        result.stdout.includes('config OK: 1 sources, 2 endpoints, 1 routes'),
        `printed:\n${result.stdout}`,
      );
      const secrets = [whsec, ingestToken, smtpPassword];
      check(!secrets.some((secret) => result.stdout.includes(secret)), 'check printed a secret');
    });

    daemon = await step('relay --config relay.yaml starts', () =>
      startDaemon(executable, ['--config', config], run),
    );
    const { ingestUrl, adminUrl } = daemon;

    await step('/healthz and /readyz answer 200', async () => {
      for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(`${adminUrl}${path}`);
        await res.arrayBuffer();
        check(res.status === 200, `${path} answered ${res.status}`);
      }
    });

    await step('/ui/ serves the embedded dashboard with its security headers', async () => {
      const page = await fetch(`${adminUrl}/ui/`);
      const html = await page.text();
      check(page.status === 200, `/ui/ answered ${page.status}`);
      check(
        page.headers.get('content-security-policy')?.includes("script-src 'self'"),
        `/ui/ has no strict Content-Security-Policy: ${page.headers.get('content-security-policy')}`,
      );
      for (const asset of html.match(/app\.[\w-]+\.(js|css)/g) ?? []) {
        const res = await fetch(`${adminUrl}/ui/${asset}`);
        const text = await res.text();
        check(
          res.status === 200 && text.length > 1000,
          `/ui/${asset} answered ${res.status}, ${text.length} bytes`,
        );
      }
      check(/app\.[\w-]+\.js/.test(html), 'the page names no script');
    });

    const body = JSON.stringify({ type: 'message.received', text: 'smoke test', n: 1 });
    const delivered = new Promise<void>((resolve) => {
      onDelivery = resolve;
    });
    const mailed = new Promise<Email>((resolve) => {
      onMail = resolve;
    });
    const eventId = await step('POST /in/app is stored', async () => {
      const res = await fetch(`${ingestUrl}/in/app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestToken}` },
        body,
      });
      const answer = (await res.json()) as { id?: string; deliveries?: number };
      check(res.status === 200, `answered ${res.status}: ${JSON.stringify(answer)}`);
      check(
        typeof answer.id === 'string' && answer.id.startsWith('evt_'),
        `no event id in ${JSON.stringify(answer)}`,
      );
      check(answer.deliveries === 2, `expected 2 deliveries, got ${JSON.stringify(answer)}`);
      return answer.id;
    });

    await step('the target receives it, signed', async () => {
      await within(DELIVERY_TIMEOUT_MS, 'the target received', delivered);
      const received = deliveries[0]!;
      check(received.body.toString() === body, `body differs: ${received.body.toString()}`);
      check(
        received.headers['webhook-id'] === eventId,
        `webhook-id ${received.headers['webhook-id']} ≠ ${eventId}`,
      );
      check(
        received.headers['x-relay-source'] === 'app',
        `x-relay-source ${received.headers['x-relay-source']}`,
      );
      const problem = signatureProblem(whsec, received, Math.floor(Date.now() / 1000));
      check(problem === undefined, problem ?? '');
    });

    await step('the SMTP server receives it as a mail, the body attached', async () => {
      const mail = await within(DELIVERY_TIMEOUT_MS, 'the SMTP server received', mailed).catch(
        async (error: unknown) => {
          // Why it did not come is in the delivery's attempts.
          const event = await fetch(`${adminUrl}/admin/events/${eventId}`).then((res) => res.text());
          throw new StepError(`${(error as Error).message}; the event: ${event}`);
        },
      );
      check(mail.subject === '[relay] app message.received', `subject ${mail.subject}`);
      const content = mail.attachments[0]?.content;
      const attached = content === undefined ? '' : Buffer.from(content as ArrayBuffer).toString();
      check(attached === body, `attachment differs: ${attached}`);
    });

    await step('/metrics counts it', async () => {
      await eventually(
        5_000,
        'relay_events_received_total and relay_deliveries_completed_total',
        async () => {
          const res = await fetch(`${adminUrl}/metrics`);
          const text = await res.text();
          check(res.status === 200, `/metrics answered ${res.status}`);
          const received = /^relay_events_received_total\{[^}]*source="app"[^}]*\} 1$/m.test(text);
          const completed =
            /^relay_deliveries_completed_total\{(?=[^}]*endpoint="target")(?=[^}]*result="delivered")[^}]*\} 1$/m.test(
              text,
            );
          return received && completed ? true : undefined;
        },
      );
    });

    await step('SIGTERM exits 0', async () => {
      const code = await stopDaemon(daemon!);
      check(code === 0, `exit code ${code}: ${daemon!.stderr()}`);
      check(!/warning/i.test(daemon!.stderr()), `wrote a warning to stderr: ${daemon!.stderr()}`);
    });

    await step('the addon sits beside the database, named by its SHA-256', async () => {
      const nativeDir = join(dir, 'data/.relay');
      const files = readdirSync(nativeDir);
      const addons = files.filter((f) => /^better_sqlite3-[0-9a-f]{64}\.node$/.test(f));
      const leftovers = files.filter((f) => f.endsWith('.tmp'));
      check(
        addons.length === 1 && leftovers.length === 0,
        `data/.relay holds ${files.join(', ') || 'nothing'}`,
      );
      const digest = createHash('sha256')
        .update(readFileSync(join(nativeDir, addons[0]!)))
        .digest('hex');
      check(
        addons[0] === `better_sqlite3-${digest}.node`,
        `${addons[0]} does not match its content (${digest})`,
      );
    });

    console.log('smoke: passed');
  } finally {
    clearTimeout(overall);
    target.closeAllConnections();
    target.close();
    smtp.close(() => {});
    box.cleanup();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof StepError ? error.message : ((error as Error).stack ?? String(error));
  console.error(`smoke: FAILED: ${message}`);
  process.exitCode = 1;
});
