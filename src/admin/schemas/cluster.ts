import { z } from 'zod';
import { isoTime } from './common.ts';

/** `GET /admin/cluster`: the relays sharing a PostgreSQL database (empty on SQLite). */
export const clusterList = z.object({
  members: z.array(
    z.object({
      instance: z.string(),
      last_seen: isoTime,
      endpoints_owned: z.int(),
    }),
  ),
});
