// teams: an alerter flavor for Microsoft Teams, in JavaScript (componentize-js).
//
// Posts an Adaptive Card to a Workflows (Power Automate) webhook. Post-only:
// a webhook cannot read replies or edit what it posted.
//
// componentize-js conventions used here: the export is
// `export const flavor = {...}` with camelCase method names (defineFlavor
// builds it), errors are thrown with a `payload` (the SDK's FlavorError),
// and a u64 arrives as a BigInt (the SDK returns BigInts).

import { capabilities, defineFlavor, secret, setting, unsupported, urlSlot } from '../sdk-js/index.js';
import { VERSION, send } from './teams.js';

const CAPS = capabilities({ post: true });

export const flavor = defineFlavor({
  info: () => ({
    name: 'teams',
    version: VERSION,
    description: 'Posts Adaptive Cards to a Microsoft Teams channel or chat through a Workflows webhook',
    settings: [
      setting('webhook_url', 'Workflows webhook URL ("Post to a channel when a webhook request is received")', {
        required: true,
        secret: secret(urlSlot(), ['{webhook_url}']),
      }),
    ],
    hosts: ['{webhook_url}'],
    capabilities: CAPS,
  }),
  capabilitiesFor: () => CAPS,
  send: (settings, message) => send(settings.require('webhook_url'), message),
  replies: () => {
    throw unsupported('teams posts through a Workflows webhook, which cannot read replies: use another flavor for `ask`');
  },
  update: () => {
    throw unsupported('teams posts through a Workflows webhook, which cannot edit a posted message');
  },
});
