import type { AdminContext } from './context.ts';

/** `GET /admin/cluster`: the relays sharing the database, as the leases say (empty on SQLite: one relay, no leases). */
export async function listCluster(ctx: AdminContext) {
  const members = await ctx.store.cluster.members(ctx.clock.now());
  return {
    members: members.map((m) => ({
      instance: m.instance,
      last_seen: new Date(m.lastSeen).toISOString(),
      endpoints_owned: m.endpoints,
    })),
  };
}
