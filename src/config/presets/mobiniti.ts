import type { Preset } from './preset.ts';

const contact = {
  id: 'f82e541a-a4b1-11e8-a85f-127fd0971098',
  first_name: null,
  last_name: null,
  email: null,
};

/**
 * Mobiniti (SMS marketing): a URL per webhook and no secret of its own, so
 * the token rides in the URL. Its `id` is the contact's, shared by that
 * contact's messages, unsubscribes and bounces: every key pairs it with what
 * changes from one event to the next, and keys are per type.
 */
export const mobiniti: Preset = {
  provider: 'Mobiniti',
  secretEnv: 'MOBINITI_TOKEN',
  secretStyle: 'Mobiniti sends no secret: you paste a URL carrying one (?token=...) into its settings',
  verify: { scheme: 'query', param: 'token' },
  type: { from: 'path' },
  id: {
    by_type: {
      inbound: { fields: ['id', 'received_at'] },
      unsubscribe: { fields: ['id', 'unsubscribed_at'] },
      bounce: { fields: ['id', 'bounces', 'updated_at'] },
      delivery_report: { fields: ['messages.0.id', 'statuses.0.code'] },
      contact_status: { fields: ['id', 'status', 'updated_at'] },
    },
  },
  types: {
    inbound: {
      description: 'Inbound Messages: sends data about an inbound message from a particular contact.',
      sample: {
        ...contact,
        short_code: '64600',
        phone_number: '+19999999999',
        message: 'This is an example message',
        unsubscribed_at: null,
        created_at: '2016-07-01T15:11:09.553Z',
        updated_at: '2016-07-01T15:11:09.553Z',
        received_at: '2016-07-01T15:11:09.553Z',
      },
    },
    unsubscribe: {
      description: 'Unsubscribe Messages: sends data about a contact that was unsubscribed.',
      sample: {
        ...contact,
        phone_number: '+19999999999',
        to: '64600',
        unsubscribed_at: '2016-07-01T15:11:09.553Z',
        created_at: '2016-07-01T15:11:09.553Z',
        updated_at: '2016-07-01T15:11:09.553Z',
      },
    },
    bounce: {
      description:
        'Bounced Message: sends contact information when an outgoing message is detected as being a ' +
        'bounce based on data received from the carriers.',
      sample: {
        ...contact,
        phone_number: '+19999999999',
        unsubscribed_at: '2016-07-01T15:11:09.553Z',
        bounces: 2,
        created_at: '2016-07-01T15:11:09.553Z',
        updated_at: '2016-07-01T15:11:09.553Z',
      },
    },
    delivery_report: {
      description: 'Delivery Reports: sends delivery report data for each message that is sent to a contact.',
      sample: {
        total_messages: 1,
        statuses: [
          {
            code: '100',
            status: 'The message delivered successfully.',
            count: 1,
            recipients: ['19999999999'],
            success: true,
            bounce: false,
          },
        ],
        messages: [
          {
            id: 'a8a2b40a-86ae-4a91-a61d-7b7ccfc4b148',
            from: '+15555555555',
            message: 'This is an example message',
            phone_number: '9999999999',
            metadata: [],
          },
        ],
      },
    },
    contact_status: {
      description:
        'Contact Status: sends contact information when the status of a contact changes based on data ' +
        'received from carriers (suspended, deactivated, resumed, transferred).',
      sample: {
        ...contact,
        phone_number: '+19999999999',
        status: 'deactivated',
        created_at: '2016-07-01T15:11:09.553Z',
        updated_at: '2016-07-01T15:11:09.553Z',
      },
    },
    rejection: {
      description:
        'Rejection Message: the ability to see if there was an error, validation, provider error or DLR ' +
        'if a message comes back as "failed".',
      sample: { code: '', message: '', description: '' },
    },
  },
  assumptions: [
    'The token parameter is named token (Mobiniti only takes a URL, so the name is yours to choose): ' +
      'paste https://<relay>/in/<source>/<type>?token=<secret> into each webhook field. ' +
      'To rename it: verify: { scheme: query, param: <name>, secret: ... }.',
    "Mobiniti's id is the contact's: inbound is keyed by id and received_at, unsubscribe by id and " +
      'unsubscribed_at, bounce by id, bounces and updated_at, contact_status by id, status and updated_at, ' +
      'delivery_report by its first message id and status code. A rejection carries nothing that ' +
      'identifies it and is never deduplicated.',
    'The unsubscribe, bounce and contact status examples end in a trailing comma, which is not JSON: ' +
      'the samples drop it. A body really sent that way is answered 400 (malformed JSON).',
  ],
};
