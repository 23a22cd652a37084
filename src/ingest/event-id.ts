import { randomUUIDv7 } from 'node:crypto';

/** `evt_` + a UUIDv7: sortable by time, never a row number, so a recreated database never reuses one. */
export function newEventId(): string {
  return `evt_${randomUUIDv7()}`;
}
