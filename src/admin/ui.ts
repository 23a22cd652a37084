import type { IncomingMessage, ServerResponse } from 'node:http';
import { RelayError } from '../errors.ts';
import { uiAssets } from '../ui/assets.ts';

/**
 * Every dashboard answer: no inline script or style, nothing from another
 * origin, never framed, no referrer leaking event ids to a link's target.
 */
export const uiSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** True for the paths the dashboard answers: /ui and everything under /ui/. */
export function isUiPath(pathname: string): boolean {
  return pathname === '/ui' || pathname.startsWith('/ui/');
}

/**
 * `GET /ui/`: the dashboard, a page that calls the admin API with the token
 * the operator types in. The page itself needs no token (it holds no data);
 * its asset URLs carry the build's hash, so they can be cached for good.
 */
export async function serveUi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new RelayError('RELAY_ERR_METHOD_NOT_ALLOWED', 'only GET is accepted here');
  }
  if (pathname === '/ui') {
    res.writeHead(308, { location: '/ui/', ...uiSecurityHeaders });
    res.end();
    return;
  }
  const assets = await uiAssets();
  const immutable = 'public, max-age=31536000, immutable';
  switch (pathname) {
    case '/ui/':
      return send(req, res, 'text/html; charset=utf-8', page(assets.version), 'no-cache');
    case `/ui/app.${assets.version}.js`:
      return send(req, res, 'text/javascript; charset=utf-8', assets.js, immutable);
    case `/ui/app.${assets.version}.css`:
      return send(req, res, 'text/css; charset=utf-8', assets.css, immutable);
    default:
      throw new RelayError('RELAY_ERR_NOT_FOUND', `no such route: ${pathname}`);
  }
}

function page(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>relay</title>
<link rel="stylesheet" href="app.${version}.css">
<script defer src="app.${version}.js"></script>
</head>
<body><div id="app"></div><noscript>The relay dashboard needs JavaScript.</noscript></body>
</html>
`;
}

function send(req: IncomingMessage, res: ServerResponse, type: string, text: string, cache: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': cache,
    ...uiSecurityHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
