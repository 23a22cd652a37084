import { type Dispatcher, request } from 'undici';

/**
 * POSTs a JSON event to `<ingestUrl>/in/app` through `dispatcher`; resolves
 * with the event id when relay acknowledged it (200), else undefined: refused,
 * or relay gone mid-request, which fault runs expect and count as not acked.
 */
export async function postEvent(
  ingestUrl: string,
  body: object,
  dispatcher: Dispatcher,
): Promise<string | undefined> {
  try {
    const res = await request(`${ingestUrl}/in/app`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      dispatcher,
    });
    const answer = (await res.body.json()) as { id?: string };
    return res.statusCode === 200 ? answer.id : undefined;
  } catch {
    return undefined;
  }
}
