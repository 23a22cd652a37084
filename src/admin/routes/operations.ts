import { listAudit } from '../audit.ts';
import { dropBacklog, listBacklogs, moveBacklog } from '../backlogs.ts';
import { listCluster } from '../cluster.ts';
import { type Route, route } from '../router.ts';
import { auditList } from '../schemas/audit.ts';
import { backlogList, dropAnswer, moveAnswer, moveBody } from '../schemas/backlogs.ts';
import { clusterList } from '../schemas/cluster.ts';
import { streamEvent } from '../schemas/stream.ts';

/** Across endpoints: the backlogs and the relays dispatching them, the audit log, the live stream. */
export const operationRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: 'backlogs',
    role: 'read',
    answer: backlogList,
    handle: ({ ctx }) => listBacklogs(ctx),
  }),
  route({
    method: 'GET',
    path: 'cluster',
    role: 'read',
    answer: clusterList,
    handle: ({ ctx }) => listCluster(ctx),
  }),
  route({
    method: 'POST',
    path: 'backlogs/{name}/move',
    role: 'operate',
    action: 'backlog.move',
    body: moveBody,
    answer: moveAnswer,
    handle: ({ ctx, params, body }) => moveBacklog(ctx, params[0]!, body),
  }),
  route({
    method: 'POST',
    path: 'backlogs/{name}/drop',
    role: 'operate',
    action: 'backlog.drop',
    answer: dropAnswer,
    handle: ({ ctx, params }) => dropBacklog(ctx, params[0]!),
  }),
  route({
    method: 'GET',
    path: 'audit',
    role: 'read',
    answer: auditList,
    handle: ({ ctx, query }) => listAudit(ctx, query),
  }),
  route({
    method: 'GET',
    path: 'stream',
    role: 'read',
    stream: true,
    answer: streamEvent,
    // The stream writes its own answer and stays open: nothing is returned.
    handle: ({ ctx, res, query }) => {
      ctx.stream.open(res, query);
      return undefined as never;
    },
  }),
];
