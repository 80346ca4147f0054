// __NAME__: an alerter flavor in JavaScript (componentize-js).
//
// Posts each message as JSON, {"text": ..., "title": ...}, to `{url}/messages`,
// with `authorization: Bearer <token>` when the secret `token` is set, and
// returns the answer's "id" as the reference. Post-only.
//
// Conventions (componentize-js 0.23, contract alerter:flavor@0.2.0):
// - export the interface as `export const flavor = { ... }`, with the WIT
//   names in camelCase (`capabilitiesFor`, record fields `readReplies`, ...);
// - an exported `result` error is thrown: the thrown value carries the
//   `flavor-error` in its own `payload` property, `{ tag, val }` with the
//   kebab-case case name (an Error without `payload` traps the call);
// - an imported `result` error (http.fetch) is thrown with its `payload`;
// - enums are strings ('failure'), `option<T>` is `T | undefined`,
//   `list<u8>` a Uint8Array; a `u64` arrives as a BigInt (`typeof x === 'bigint'`)
//   and may be returned as a BigInt (`1000n`) or a safe-integer Number.
import { fetch } from 'alerter:flavor/http@0.2.0';
import { write } from 'alerter:flavor/log@0.2.0';

const CAPABILITIES = { post: true, readReplies: false, threads: false, attachments: false, reactions: false, update: false };

/** Throws a flavor error: `tag` is the case name, `val` its value. */
function fail(tag, val) {
  const e = new Error(typeof val === 'string' ? val : val.message);
  e.payload = { tag, val };
  throw e;
}

/** The value of setting `name`, or undefined when unset or blank (the last pair wins). */
function setting(settings, name) {
  for (let i = settings.length - 1; i >= 0; i--) {
    if (settings[i][0] === name) return settings[i][1].trim() ? settings[i][1] : undefined;
  }
  return undefined;
}

export const flavor = {
  info() {
    return {
      name: '__NAME__',
      version: '0.1.0',
      description: 'Posts messages as JSON to a web service',
      settings: [
        { name: 'url', description: 'Base URL of the service', required: true, default: undefined, secret: undefined },
        {
          name: 'token',
          description: 'Bearer token (optional)',
          required: false,
          default: undefined,
          secret: { slot: { tag: 'header', val: { name: 'authorization', format: 'Bearer {}' } }, origins: ['{url}'] },
        },
      ],
      hosts: ['{url}'],
      capabilities: CAPABILITIES,
    };
  },

  capabilitiesFor(settings) {
    return CAPABILITIES;
  },

  send(settings, message) {
    const url = setting(settings, 'url');
    if (url === undefined) fail('invalid-settings', 'setting `url` is required: pass --set url=URL');
    const headers = [['content-type', 'application/json']];
    const token = setting(settings, 'token');
    if (token !== undefined) headers.push(['authorization', `Bearer ${token}`]);
    const body = new TextEncoder().encode(JSON.stringify({ text: message.body, title: message.title ?? null }));
    let resp;
    try {
      resp = fetch({ method: 'POST', url: url.replace(/\/+$/, '') + '/messages', headers, body });
    } catch (e) {
      const p = e && e.payload; // the http-error: { tag: 'denied' | 'timeout' | ..., val }
      if (p && p.tag === 'rate-limited') fail('rate-limited', p.val);
      fail('internal', `request failed: ${p ? String(p.val) : String(e)}`);
    }
    const text = new TextDecoder().decode(resp.body);
    if (resp.status === 429) fail('rate-limited', { retryAfterMs: 1000n, message: text.slice(0, 200) });
    if (resp.status < 200 || resp.status > 299) fail('rejected', { code: String(resp.status), message: `HTTP ${resp.status}: ${text.slice(0, 300)}`, status: resp.status });
    write('debug', `posted, HTTP ${resp.status}`);
    let answer = {};
    try {
      answer = JSON.parse(text) ?? {};
    } catch {}
    return { reference: answer.id !== undefined ? String(answer.id) : '', link: typeof answer.link === 'string' ? answer.link : undefined };
  },

  replies(settings, reference, cursor) {
    fail('unsupported', '__NAME__ only posts: it cannot read replies');
  },

  update(settings, reference, message) {
    fail('unsupported', '__NAME__ cannot edit a posted message');
  },
};
