/** What one attempt's answer means for its delivery and its lane. */
export type Outcome =
  | { kind: 'delivered' }
  /** A failure: the delivery uses a step of the schedule. */
  | { kind: 'failed' }
  /** 429/503 with Retry-After: the lane pauses; the delivery waits without using a step. */
  | { kind: 'pause'; ms: number }
  /** 410 Gone: the endpoint is disabled and its deliveries are held. */
  | { kind: 'disable' };

export interface AttemptResult {
  /** HTTP status (SMTP reply code for a mail), or undefined when no answer arrived (timeout, connection error). */
  status: number | undefined;
  retryAfter: string | undefined;
}

/**
 * Pure: an answer → an outcome. Success is any 2xx unless the endpoint lists
 * its own success codes. Redirects are failures (never followed).
 */
export function classify(
  result: AttemptResult,
  success: readonly number[] | undefined,
  now: number,
  maxPauseMs: number,
): Outcome {
  const { status } = result;
  if (status === undefined) return { kind: 'failed' };
  if (isSuccess(status, success)) return { kind: 'delivered' };
  if (status === 410) return { kind: 'disable' };
  if ((status === 429 || status === 503) && result.retryAfter !== undefined) {
    const ms = retryAfterMs(result.retryAfter, now);
    if (ms !== undefined) return { kind: 'pause', ms: Math.min(ms, maxPauseMs) };
  }
  return { kind: 'failed' };
}

/**
 * Pure: an e-mail endpoint's answer → an outcome. `status` is the SMTP reply
 * code: 2yz took the mail; any refusal, 4yz (try later) or 5yz (permanent),
 * is a failure on the schedule, since a mailbox that is full or a relay that
 * is misconfigured is often fixed within the retry window. SMTP has no 410
 * or Retry-After, so nothing disables or pauses the lane.
 */
export function classifySmtp(result: AttemptResult): Outcome {
  const { status } = result;
  return status !== undefined && status >= 200 && status < 300 ? { kind: 'delivered' } : { kind: 'failed' };
}

/** Retry-After as delay seconds or an HTTP date; undefined when unreadable. */
export function retryAfterMs(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date always ends in GMT; anything else (a negative number, prose) is unreadable.
  if (!/ GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The endpoint's rule for a successful answer: its `success` list, else any 2xx. */
export function isSuccess(status: number, success: readonly number[] | undefined): boolean {
  return success ? success.includes(status) : status >= 200 && status < 300;
}
