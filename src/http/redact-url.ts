/**
 * Credentials and query values may be secrets (`?token=…`), so they are
 * masked; the scheme, host and path are what an operator needs to recognise
 * the endpoint.
 */
export function redactUrl(raw: string): string {
  const url = new URL(raw);
  if (url.username) url.username = '***';
  if (url.password) url.password = '***';
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, '***');
  // URLSearchParams encodes `*`; keep the mask readable.
  return url.toString().replaceAll('%2A%2A%2A', '***');
}
