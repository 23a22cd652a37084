import { textlinkLike } from './textlink.ts';

/** BluBubl documents the same four webhooks as TextLink, with blububl_id as the message id. */
export const blububl = textlinkLike({
  provider: 'BluBubl',
  secretEnv: 'BLUBUBL_SECRET',
  idField: 'blububl_id',
});
