import type { Preset } from './preset.ts';

interface Brand {
  provider: string;
  secretEnv: string;
  /** The field holding the provider's message id, e.g. textlink_id. */
  idField: string;
}

/**
 * TextLink, and BluBubl whose webhook page is TextLink's with the name
 * changed: four webhooks, one URL field each, the secret in the JSON body.
 * The pages name fields but their example bodies are missing, so the samples
 * take TextLink's generic body (phone_number, text, timestamp) plus the
 * fields the page names for each webhook.
 */
export function textlinkLike({ provider, secretEnv, idField }: Brand): Preset {
  const message = { phone_number: '+11234567890', text: 'Working!', timestamp: 1748455363370 };
  const dispatched = { ...message, portal: false, sim_card_id: 12 };
  return {
    provider,
    secretEnv,
    secretStyle: '"If you specified a secret, we will send it to you in each request" (in the JSON body)',
    verify: { body_field: 'secret' },
    type: { from: 'path' },
    id: {
      by_type: {
        received: { fields: ['phone_number', 'timestamp'] },
        sent: { fields: ['phone_number', 'timestamp'] },
        // A failed message first came as sent, with the same id: keys are per type, so both stay.
        failed: { fields: [idField] },
        tag_change: { fields: ['phone_number', 'tag', 'timestamp'] },
      },
    },
    types: {
      received: {
        description: 'Received messages - Triggered whenever you receive a message.',
        sample: { ...message, tag: 'Cold', name: 'John Doe' },
      },
      sent: {
        description: 'Sent messages - Triggered whenever you dispatch an action for sending SMS.',
        sample: dispatched,
      },
      failed: {
        description:
          'Failed messages - Triggered whenever a message fails (in case of failed messages you firstly ' +
          'get a Sent message webhook, and then failed message webhook)',
        sample: { ...dispatched, custom_id: 'order-1042', [idField]: 873412 },
      },
      tag_change: {
        description: 'Changed contact tag - Triggered whenever a contact tag is changed (E.g. Cold -> Warm)',
        sample: {
          phone_number: message.phone_number,
          name: 'John Doe',
          tag: 'Warm',
          subuser_id: 7,
          timestamp: message.timestamp,
        },
      },
    },
    assumptions: [
      `The secret is the body's top-level "secret" field (${provider}'s page shows it in the body without ` +
        'naming it elsewhere); relay removes it before storing. To change it: verify: { body_field: <name>, secret: ... }.',
      `The page shows no example bodies: the samples are TextLink's generic body (phone_number, text, ` +
        'timestamp) with the fields named for each webhook (tag, name, portal, sim_card_id, custom_id, ' +
        `${idField}, subuser_id).`,
      `Only failed messages carry a message id (${idField}); the other webhooks are keyed by phone_number ` +
        'and timestamp (tag change: with the tag), and are not deduplicated when a field is missing.',
    ],
  };
}

export const textlink = textlinkLike({
  provider: 'TextLink',
  secretEnv: 'TEXTLINK_SECRET',
  idField: 'textlink_id',
});
