import { errorCode, RelayError } from '../../errors.ts';

/** Socket-level failures: the server cannot be reached or went away. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
/** SQLSTATEs that mean "not now" rather than "this request is wrong". */
const UNAVAILABLE = new Set([
  '53300', // too_many_connections
  '53200', // out_of_memory
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
]);
/** pg's own messages when a connection ends or never starts, which carry no code, and the server's when a database takes no connections (55000, a code too broad to map alone). */
const CONNECTION_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|is not currently accepting connections/i;

/**
 * The RelayError for a driver error that means "try again later" (the
 * database unreachable, too busy, its disk full, or refusing the configured
 * login); undefined for any other error, which is a bug.
 * Only the PostgreSQL store calls this: no driver error leaves store/.
 */
export function storageRefusal(error: unknown): RelayError | undefined {
  if (error instanceof RelayError) return error;
  const code = errorCode(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const refuse = (relayCode: 'RELAY_ERR_STORAGE_BUSY' | 'RELAY_ERR_STORAGE_FULL', text: string) =>
    new RelayError(relayCode, text, { cause: error });
  if (code === '53100') return refuse('RELAY_ERR_STORAGE_FULL', 'the database disk is full');
  if (code === '28P01' || code === '28000' || code === '3D000') {
    // Wrong password, no such role or database: a 503 while it lasts, and the message says to fix storage.url.
    return refuse(
      'RELAY_ERR_STORAGE_BUSY',
      `the database refused relay's login (check storage.url): ${message}`,
    );
  }
  if (NETWORK.has(code) || code.startsWith('08') || CONNECTION_MESSAGE.test(message)) {
    return refuse('RELAY_ERR_STORAGE_BUSY', `the database is unreachable: ${message || code}`);
  }
  if (UNAVAILABLE.has(code))
    return refuse('RELAY_ERR_STORAGE_BUSY', `the database is busy; try again (${message})`);
  return undefined;
}

/** Rethrows `error` as its RelayError when it has one. */
export function refuseOrRethrow(error: unknown): never {
  throw storageRefusal(error) ?? error;
}
