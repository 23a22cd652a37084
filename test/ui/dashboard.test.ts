import { describe, expect, it } from 'vitest';
import { readmeShot } from '../helpers/browser.ts';
import { ADMIN, holdBacklog, pageStreaming, READ, startDashboard } from '../helpers/dashboard.ts';

describe('the dashboard', () => {
  it('is served with a strict Content-Security-Policy, never framed', async () => {
    const { relay } = await startDashboard();
    for (const path of ['/ui/', '/ui/nothing-here']) {
      const res = await fetch(`${relay.adminUrl}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const html = await (await fetch(`${relay.adminUrl}/ui/`)).text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const script = /src="(app\.[\w-]+\.js)"/.exec(html)?.[1];
    const asset = await fetch(`${relay.adminUrl}/ui/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('signs in, shows the endpoints, and pauses and resumes one by its button', async () => {
    const { page, admin, send, completed, signIn } = await startDashboard();
    await signIn(ADMIN);
    const row = page.getByRole('row', { name: /crm/ });
    await row.getByText('active').waitFor();
    // By keyboard: the button takes the focus and Enter presses it.
    await row.getByRole('button', { name: 'Pause' }).press('Enter');
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    // The focus stays on the button, so the keyboard can undo at once.
    expect(await page.locator(':focus').textContent()).toBe('Resume');
    expect((await admin('GET', 'endpoints/crm')).json.state).toBe('paused');
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await admin('GET', 'endpoints/crm')).json.state).toBe('active');
    // The chart counts this hour's attempts from the first minute.
    await send({ type: 'hello' });
    await completed('crm', 'delivered');
    await page.reload();
    await page.getByRole('img', { name: 'crm: 1 delivered and 0 failed in the last hour' }).waitFor();
    await readmeShot(page, 'endpoints');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('row', { name: /deployer endpoint\.pause crm/ }).waitFor();
    await readmeShot(page, 'audit');
  });

  it('shows a read token no button that changes anything', async () => {
    const { page, signIn } = await startDashboard();
    await signIn(READ);
    await page.getByRole('row', { name: /crm/ }).waitFor();
    for (const name of ['Pause', 'Resume', 'Enable', 'Test', 'Replay']) {
      expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
    await page.getByRole('link', { name: 'Managed' }).click();
    await page.getByRole('heading', { name: 'Managed endpoints and routes' }).waitFor();
    expect(await page.getByRole('button', { name: 'New endpoint' }).count()).toBe(0);
  });

  it('brings the sign-in back when the API answers 401', async () => {
    const { page, signIn } = await startDashboard();
    await signIn(ADMIN);
    await page.evaluate(() => sessionStorage.setItem('relay.admin-token', 'revoked'));
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByLabel('Admin token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('shows a new event in the list without a reload when /admin/stream announces it', async () => {
    const { page, send, signIn } = await startDashboard();
    await signIn(ADMIN);
    // The page opens the daemon's stream; its answer has begun (relay subscribed) before the event is sent.
    const streaming = pageStreaming(page);
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByText('No events match.').waitFor();
    await streaming;
    await send({ type: 'arrived.live' });
    await page.getByRole('row', { name: /arrived\.live/ }).waitFor();
  });

  it('lists events and shows one with its JSON body and attempts, and Retry requeues it', async () => {
    const { relay, target, page, admin, send, completed, signIn } = await startDashboard(() => ({
      status: 500,
      body: 'crm is down',
    }));
    const dead = relay.waitForLog('delivery is dead');
    const id = await send({ type: 'order.paid', order: { id: 42, items: ['a'] } });
    await dead;
    await signIn(ADMIN);
    await page.getByRole('link', { name: 'Events' }).click();
    const row = page.getByRole('row', { name: /order\.paid/ });
    await row.getByText('dead').waitFor();
    await page.getByLabel('Type').fill('order.refunded');
    await page.getByLabel('Type').press('Enter');
    await page.getByText('No events match.').waitFor();
    await page.getByLabel('Type').fill('order.paid');
    await page.getByRole('button', { name: 'Filter' }).click();
    await row.getByText('dead').waitFor();
    await readmeShot(page, 'events');
    const streaming = pageStreaming(page);
    await row.getByRole('link').click();
    await page.getByText('"order": {').waitFor();
    await readmeShot(page, 'event-detail');
    const attempts = page.getByRole('table', { name: 'Attempts to crm' });
    await attempts
      .getByRole('row', { name: /500.*crm is down/ })
      .first()
      .waitFor();
    expect(await attempts.getByRole('row').count()).toBe(3); // the header and two attempts

    target.script = () => ({ status: 200 });
    await streaming;
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('status').getByText('requeued').waitFor();
    await completed('crm', 'delivered');
    // The page's own stream brings the outcome, without a reload.
    await page.getByRole('heading', { name: /crm/ }).getByText('delivered').waitFor();
    const [delivery] = (await admin('GET', `events/${id}`)).json.deliveries;
    expect(delivery).toMatchObject({ endpoint: 'crm', state: 'delivered', attempt_count: 3 });
  });

  it('tests an endpoint, and replays its dead deliveries after saying how many', async () => {
    const { relay, target, page, send, signIn } = await startDashboard(() => ({ status: 500, body: 'down' }));
    const dead = relay.waitForLog('delivery is dead');
    await send({ type: 'lost' });
    await dead;
    await signIn(ADMIN);
    const row = page.getByRole('row', { name: /crm/ });
    await row.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('status').getByText('Test to crm: failed, HTTP 500').waitFor();

    target.script = () => ({ status: 200 });
    const before = target.requests.length;
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.getByText('1 dead deliveries of crm would be requeued.').waitFor();
    expect(target.requests.length).toBe(before); // the dry run requeued nothing
    await page.getByRole('button', { name: 'Requeue 1' }).click();
    await page.getByRole('status').getByText('Requeued 1 dead deliveries of crm').waitFor();
    await target.waitFor(before + 1);
  });

  it('moves a held backlog to another endpoint', async () => {
    const dashboard = await startDashboard();
    const { target, page, admin, signIn } = dashboard;
    await admin('POST', 'endpoints', { name: 'new', url: `${target.url}/new` });
    await holdBacklog(dashboard, 'old');

    await signIn(ADMIN);
    await page.getByRole('link', { name: 'Held backlogs' }).click();
    const row = page.getByRole('row', { name: /old/ });
    await readmeShot(page, 'backlogs');
    await row.getByRole('combobox', { name: 'Move old to' }).selectOption('new');
    await row.getByRole('button', { name: 'Move' }).click();
    await page.getByRole('status').getByText('Moved 1 deliveries of old to new').waitFor();
    await target.waitFor(1, 10_000, (r) => r.path === '/new');
    await page.getByText('No deliveries are held.').waitFor();
  });

  it('shows the API problems beside the field, then creates an endpoint that receives the next event', async () => {
    const { target, page, send, signIn } = await startDashboard();
    await signIn(ADMIN);
    await page.getByRole('link', { name: 'Managed' }).click();
    await page.getByRole('button', { name: 'New endpoint' }).click();
    const form = page.getByRole('form', { name: 'New endpoint' });
    await form.getByLabel('Name').fill('crm2');
    await form.getByLabel('URL').fill('not a url');
    await form.getByRole('button', { name: 'Create' }).click();
    const url = form.getByRole('textbox', { name: 'URL' });
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    const problem = await url.getAttribute('aria-describedby');
    expect(await page.locator(`#${problem}`).textContent()).toMatch(
      /^url: must be an absolute http\(s\) URL/,
    );
    await readmeShot(page, 'managed');

    await url.fill(`${target.url}/crm2`);
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').getByText('Endpoint crm2 saved').waitFor();
    await page.getByRole('row', { name: /crm2/ }).getByRole('button', { name: 'Delete crm2' }).waitFor();
    await page.getByRole('button', { name: 'New route' }).click();
    const route = page.getByRole('form', { name: 'New route' });
    await route.getByLabel('Name').fill('to-crm2');
    await route.getByLabel('From sources').fill('app');
    await route.getByLabel('To endpoints').fill('crm2');
    await route.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').getByText('Route to-crm2 saved').waitFor();
    await send({ type: 'after' });
    await target.waitFor(1, 10_000, (r) => r.path === '/crm2');
  });
});
