import type { Preset } from './preset.ts';

const message = { message_id: 'msg_01J9Z6X4T8', channel: 'whatsapp', to: '+393331234567' };
const at = '2025-03-14T09:26:53Z';

/**
 * Bluemessaggio (SMS, WhatsApp, RCS): "a signed payload" with "clear event
 * types and message IDs". Its page names no header, field or example body, so
 * everything here beyond the HMAC is assumed, and says so.
 */
export const bluemessaggio: Preset = {
  provider: 'Bluemessaggio',
  secretEnv: 'BLUEMESSAGGIO_SECRET',
  secretStyle: '"Signature verification (HMAC) to validate request origin"',
  verify: { scheme: 'hmac-sha256', header: 'x-bluemessaggio-signature' },
  // URLs are "per channel or per application", not per type: the payload's event names it.
  type: { from: 'path', field: 'event' },
  // One message goes sent, delivered, read: its id alone would keep only the first.
  id: { fields: ['message_id', 'event'] },
  types: {
    inbound: {
      description: 'Inbound messages: customer replies on WhatsApp, SMS, or RCS are pushed to your webhook.',
      sample: {
        event: 'inbound',
        message_id: 'msg_01J9Z7C2QK',
        channel: 'sms',
        sender: '+393331234567',
        content: 'Ciao, is my order shipped?',
        timestamp: at,
      },
    },
    sent: { description: 'Delivery status: sent.', sample: { event: 'sent', ...message, timestamp: at } },
    delivered: {
      description: 'Delivery status: delivered.',
      sample: { event: 'delivered', ...message, timestamp: at },
    },
    failed: {
      description: 'Failed delivery.',
      sample: { event: 'failed', ...message, error: 'recipient unreachable', timestamp: at },
    },
    read: {
      description: 'Read receipts (where supported).',
      sample: { event: 'read', ...message, timestamp: at },
    },
  },
  assumptions: [
    'The signature is a hex HMAC-SHA256 of the raw body (a "sha256=" prefix is accepted) in the header ' +
      'x-bluemessaggio-signature: the page says payloads are signed with an HMAC and names neither. ' +
      'If yours differs: verify: { scheme: hmac-sha256, header: <name>, secret: ... }.',
    'The event type is the payload field event and the message id is message_id (the page promises ' +
      '"clear event types and message IDs" without naming them); a URL naming the type (/in/<source>/<type>) ' +
      'wins. Otherwise write type: { field: <name> } and id: { fields: [<id>, <type field>] }.',
    'The page shows no payloads: the samples are illustrations of that shape, not Bluemessaggio documents.',
  ],
};
