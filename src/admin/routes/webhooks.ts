import { type Route, route } from '../router.ts';
import { appendBody, deleteBody, replaceBody, webhooksAnswer } from '../schemas/webhooks.ts';
import { appendWebhooks, deleteWebhooks, listWebhooks, replaceWebhooks } from '../webhooks.ts';

/** /admin/webhooks: the SendBlue-style webhooks, by type. */
export const webhookRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: 'webhooks',
    role: 'read',
    answer: webhooksAnswer,
    handle: ({ ctx }) => listWebhooks(ctx),
  }),
  route({
    method: 'POST',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.append',
    audited: true,
    body: appendBody,
    answer: webhooksAnswer,
    handle: appendWebhooks,
  }),
  route({
    method: 'PUT',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.replace',
    audited: true,
    body: replaceBody,
    answer: webhooksAnswer,
    handle: replaceWebhooks,
  }),
  route({
    method: 'DELETE',
    path: 'webhooks',
    role: 'admin',
    action: 'webhooks.delete',
    audited: true,
    body: deleteBody,
    answer: webhooksAnswer,
    handle: deleteWebhooks,
  }),
];
