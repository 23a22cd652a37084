import type { Preset } from './preset.ts';

/** SendBlue (iMessage and SMS): one URL per webhook type, the secret in a header. */
export const sendblue: Preset = {
  provider: 'SendBlue',
  secretEnv: 'SENDBLUE_SECRET',
  secretStyle: 'SendBlue "will include it in the webhook request headers"',
  verify: { header: 'sb-signing-secret' },
  // A status_callback URL or a shared one carries no type: is_outbound tells the two message webhooks apart.
  type: { from: 'path', field: 'is_outbound', map: { true: 'outbound', false: 'receive' } },
  // SENT then DELIVERED of one message share its handle: the handle alone would drop the DELIVERED.
  id: { fields: ['message_handle', 'status'] },
  types: {
    receive: {
      description: 'Triggered when you receive an inbound message',
      sample: {
        content: 'Hello!',
        media_url: 'https://example.com/image.jpg',
        is_outbound: false,
        status: 'RECEIVED',
        message_handle: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxx',
        date_sent: '2020-09-10T06:15:05.962Z',
        date_updated: '2020-09-10T06:15:14.115Z',
        from_number: '+19998887777',
        number: '+19998887777',
        to_number: '+15122164639',
        was_downgraded: false,
      },
    },
    outbound: {
      description: 'Triggered when an outbound message is sent',
      sample: {
        content: 'Hello world!',
        is_outbound: true,
        status: 'DELIVERED',
        error_code: null,
        error_message: null,
        message_handle: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxx',
        date_sent: '2020-09-10T06:15:05.962Z',
        date_updated: '2020-09-10T06:15:14.115Z',
        from_number: '+15122164639',
        number: '+19998887777',
        to_number: '+19998887777',
        was_downgraded: false,
        plan: 'blue',
      },
    },
    call_log: { description: 'Triggered when a call log is received' },
    line_blocked: { description: 'Triggered when a line is blocked' },
    line_assigned: { description: 'Triggered when a line is assigned' },
    contact_created: { description: 'Triggered when a contact is created' },
  },
  assumptions: [
    'The header is sb-signing-secret: SendBlue says the secret rides in "the webhook request headers" ' +
      'but not in which one. If yours differs, write verify: { header: <name>, secret: ... } beside the preset.',
    'A URL without a type (/in/<source>, e.g. a status_callback) takes it from is_outbound: ' +
      'false is receive, true is outbound.',
    'The key is message_handle with status, not the handle alone as SendBlue suggests: ' +
      'SENT and DELIVERED of one message share the handle, and both are kept.',
    'SendBlue shows no payload for call_log, line_blocked, line_assigned and contact_created: ' +
      'they have no sample, and are deduplicated only if they carry message_handle and status.',
  ],
};
