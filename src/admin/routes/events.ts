import { RelayError } from '../../errors.ts';
import { parseId } from '../body.ts';
import { retryDelivery } from '../deliveries.ts';
import { describeDelivery, listEvents, showEvent } from '../events.ts';
import { type Route, route } from '../router.ts';
import { deliveryDetail, eventDetail, eventList, retryAnswer } from '../schemas/events.ts';

/** /admin/events and /admin/deliveries: what was received, and each delivery of it. */
export const eventRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: 'events',
    role: 'read',
    answer: eventList,
    handle: ({ ctx, query }) => listEvents(ctx, query),
  }),
  route({
    method: 'GET',
    path: 'events/{id}',
    role: 'read',
    answer: eventDetail,
    handle: ({ ctx, params }) => showEvent(ctx, params[0]!),
  }),
  route({
    method: 'GET',
    path: 'deliveries/{id}',
    role: 'read',
    answer: deliveryDetail,
    handle: async ({ ctx, params }) => {
      const id = parseId(params[0]!, 'delivery');
      const delivery = await ctx.store.reads.delivery(id);
      if (!delivery) throw new RelayError('RELAY_ERR_NOT_FOUND', `no delivery with id ${id}`);
      return describeDelivery(delivery);
    },
  }),
  route({
    method: 'POST',
    path: 'deliveries/{id}/retry',
    role: 'operate',
    action: 'delivery.retry',
    answer: retryAnswer,
    handle: ({ ctx, params }) => retryDelivery(ctx, parseId(params[0]!, 'delivery')),
  }),
];
