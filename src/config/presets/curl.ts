import type { PresetVerify } from './preset.ts';

/**
 * One POST the way the provider sends it (its secret where it puts it), as a
 * line to paste into a POSIX shell that has the secret in `$<secretEnv>`.
 */
export function curlLine(verify: PresetVerify, url: string, body: string, secretEnv: string): string {
  const secret = `"$${secretEnv}"`;
  const post = "curl -sS -w '\\n' -X POST -H 'content-type: application/json'";
  if ('body_field' in verify) {
    // The secret goes into the JSON as its first member, spliced between single-quoted parts.
    const rest = body === '{}' ? '"}' : `",${body.slice(1)}`;
    return `${post} ${quote(url)} --data-binary ${quote(`{"${verify.body_field}":"`)}${secret}${quote(rest)}`;
  }
  if (!('scheme' in verify)) {
    return `${post} ${quote(url)} -H "${verify.header}: $${secretEnv}" --data-binary ${quote(body)}`;
  }
  if (verify.scheme === 'query')
    return `${post} "${url}?${verify.param}=$${secretEnv}" --data-binary ${quote(body)}`;
  const signature = `$(printf %s "$body" | openssl dgst -sha256 -hmac ${secret} -r | cut -d' ' -f1)`;
  return `body=${quote(body)}; ${post} ${quote(url)} -H "${verify.header}: sha256=${signature}" --data-binary "$body"`;
}

/** A single-quoted shell word: nothing inside is expanded. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
