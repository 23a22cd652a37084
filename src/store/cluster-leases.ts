/**
 * Endpoint ownership by renewable leases (DESIGN "Several relays on one
 * PostgreSQL"). The relay calls `renew` every `renewEvery` ms while it runs,
 * and `leave` once it has stopped dispatching. On a shared store a relay owns
 * nothing before its first `renew`: whoever claims (the dispatcher, a test)
 * renews first; on SQLite `renew` only answers.
 */
export interface ClusterLeases {
  /** How often `renew` must run (a third of the lease); undefined: never, one relay owns everything. */
  readonly renewEvery: number | undefined;
  /**
   * Marks this relay alive, renews its leases, takes its even share of
   * `endpoints` from those free or expired, and hands back what is over it.
   * Resolves with the endpoints it owns now, and how many relays are live.
   */
  renew(endpoints: readonly string[], now: number): Promise<{ owned: Set<string>; members: number }>;
  /**
   * This relay's last attempt on an endpoint whose lease it handed over is
   * recorded: tells the others, so the relay waiting to take it need not wait
   * for its next renewal (a lease handed over is taken only once its attempts
   * are done).
   */
  handedOver(): Promise<void>;
  /** Hands every lease over at once, so others take them without waiting for expiry, and leaves the member list. */
  leave(now: number): Promise<void>;
  /** The relays seen within the lease, each with how many endpoints it owns. */
  members(now: number): Promise<ClusterMember[]>;
  /** Each endpoint's owner while its lease runs (empty on SQLite: no leases). */
  owners(now: number): Promise<Map<string, string>>;
  /**
   * Hints from the other relays, as they happen; never the only way work is
   * found (the renewal and the dispatcher's backstop catch what a lost one missed).
   */
  watch(listener: (signal: ClusterSignal) => void): void;
}

export type ClusterSignal =
  /** Events were stored elsewhere for these endpoints ('*': any). */
  | { kind: 'work'; endpoints: readonly string[] | '*' }
  /** A relay joined, or handed leases over: renew now to take a share. */
  | { kind: 'leases' }
  /** Another relay changed an endpoint's admin state (pause, resume, enable, disable): read them again. */
  | { kind: 'states' }
  /** The signal connection was (re-)established: anything may have been missed. */
  | { kind: 'resync' };

export interface ClusterMember {
  instance: string;
  lastSeen: number;
  endpoints: number;
}
