/** Why ingest refused a request: a fixed set, so label values stay bounded. */
export type RejectReason =
  | 'unauthorized'
  | 'body_too_large'
  | 'bad_request'
  | 'unsupported_media_type'
  | 'unavailable';

/** How one delivery attempt ended: a fixed set. */
export type AttemptOutcome =
  | 'success'
  | 'http_error'
  | 'timeout'
  | 'connection_error'
  | 'rate_limited'
  | 'gone'
  | 'cancelled';

/** How a config reload ended: a fixed set. */
export type ReloadResult = 'success' | 'error' | 'restart_required';

/** Stands for any source or type the config does not name. */
export const OTHER_LABEL = 'other';
