import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN, holdBacklog, startDashboard } from '../helpers/dashboard.ts';

/** The audit table's rows as the page shows them: who, action, target, reason, outcome (the time is left out). */
async function auditRows(page: Page): Promise<string[][]> {
  const rows = await page.getByRole('table').getByRole('row').all();
  const shown: string[][] = [];
  for (const row of rows.slice(1)) shown.push((await row.getByRole('cell').allTextContents()).slice(1));
  return shown;
}

interface AuditEntry {
  actor: string;
  action: string;
  target: string | null;
  reason: string | null;
  outcome: string;
}
const asRows = (entries: AuditEntry[]) =>
  entries.map((e) => [e.actor, e.action, e.target ?? '—', e.reason ?? '—', e.outcome]);

describe('the dashboard’s operator actions against the daemon', () => {
  it('drops a held backlog by its Drop button, after asking', async () => {
    const dashboard = await startDashboard();
    const { page, admin, signIn } = dashboard;
    const id = await holdBacklog(dashboard, 'old');
    await signIn(ADMIN);
    await page.getByRole('link', { name: 'Held backlogs' }).click();
    const drop = page.getByRole('row', { name: /old/ }).getByRole('button', { name: 'Drop' });

    // Saying no to the question drops nothing.
    page.once('dialog', (dialog) => dialog.dismiss());
    await drop.click();
    expect((await admin('GET', 'backlogs')).json.backlogs).toMatchObject([{ endpoint: 'old', pending: 1 }]);

    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void dialog.accept();
      }),
    );
    await drop.click();
    expect(await asked).toBe('Drop the held deliveries of old?');
    await page.getByRole('status').getByText('Dropped 1 deliveries of old').waitFor();
    await page.getByText('No deliveries are held.').waitFor();
    expect((await admin('GET', 'backlogs')).json.backlogs).toEqual([]);
    const deliveries: { endpoint: string; state: string }[] = (await admin('GET', `events/${id}`)).json
      .deliveries;
    expect(deliveries.find((d) => d.endpoint === 'old')?.state).toBe('dropped');
  });

  it('enables an endpoint that 410 Gone disabled, by its Enable button, and its held delivery goes out', async () => {
    const { relay, target, page, admin, send, completed, signIn } = await startDashboard(() => ({
      status: 410,
    }));
    const disabled = relay.waitForLog('endpoint answered 410 Gone: disabled until enabled again');
    const id = await send({ type: 'order.paid' });
    await disabled;
    expect((await admin('GET', 'endpoints/crm')).json.state).toBe('disabled');

    await signIn(ADMIN);
    const row = page.getByRole('row', { name: /crm/ });
    await row.getByText('disabled').waitFor();
    expect(await row.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    target.script = () => ({ status: 200 });
    await row.getByRole('button', { name: 'Enable' }).click();
    await row.getByRole('button', { name: 'Pause' }).waitFor();
    await page.getByRole('status').getByText('crm is active').waitFor();
    expect((await admin('GET', 'endpoints/crm')).json.state).toBe('active');
    // The delivery the 410 held is sent again once the endpoint is enabled.
    await completed('crm', 'delivered');
    expect((await admin('GET', `events/${id}`)).json.deliveries).toMatchObject([
      { endpoint: 'crm', state: 'delivered', attempt_count: 2 },
    ]);
  });

  it('pages through the audit log with Older and Newer, showing what GET /admin/audit lists', async () => {
    const { relay, page, admin, signIn } = await startDashboard();
    // 55 audited changes, each with its own reason: more than the 50 of one page.
    for (let n = 1; n <= 55; n++) {
      const res = await fetch(`${relay.adminUrl}/admin/endpoints/crm/${n % 2 ? 'pause' : 'resume'}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'x-relay-reason': `change ${n}` },
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const first = (await admin('GET', 'audit')).json;
    const second = (await admin('GET', `audit?cursor=${first.next_cursor}`)).json;
    expect(first.entries).toHaveLength(50);
    expect(second.entries).toHaveLength(5);
    expect(second.next_cursor).toBeUndefined();

    await signIn(ADMIN);
    await page.getByRole('link', { name: 'Audit log' }).click();
    const pager = page.getByRole('navigation', { name: 'Audit pages' });
    await page.getByRole('row', { name: /change 55/ }).waitFor();
    expect(await auditRows(page)).toEqual(asRows(first.entries));
    expect(await pager.getByRole('button', { name: 'Newer' }).isDisabled()).toBe(true);

    await pager.getByRole('button', { name: 'Older' }).click();
    await page.getByRole('row', { name: /change 5\b/ }).waitFor();
    expect(await auditRows(page)).toEqual(asRows(second.entries));
    expect(await pager.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);

    await pager.getByRole('button', { name: 'Newer' }).click();
    await page.getByRole('row', { name: /change 55/ }).waitFor();
    expect(await auditRows(page)).toEqual(asRows(first.entries));
  });
});
