// Microsoft Teams through a Workflows (Power Automate) webhook: the card,
// its size budget and what the answers mean. Plain JavaScript: tested under
// Node (test/teams.test.js); flavor.js wires it to the component.

import { Request, levelEmoji, log, rateLimited, rejected, truncate, utf8Length } from '../sdk-js/core.js';

export const VERSION = '0.1.0';

/**
 * Teams refuses messages over about 28 KB. We keep the whole serialized
 * request body (the JSON we POST, UTF-8) at or under 28,000 bytes: 28 KB
 * counted in decimal, which leaves 672 bytes of 28 KiB for what Teams and
 * the flow add around it.
 */
export const MAX_PAYLOAD_BYTES = 28000;
export const MARKER = '… [truncated]';
const MAX_TITLE = 500;
const MAX_FACT_TITLE = 200;
const MAX_FACT_VALUE = 2000;

const COLORS = { info: 'Default', success: 'Good', warning: 'Warning', failure: 'Attention' };
const LEVEL_WORDS = { info: 'Info', success: 'Success', warning: 'Warning', failure: 'Failure' };

/** The message envelope Workflows' "When a Teams webhook request is received" trigger expects. */
export function envelope(card) {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }],
  };
}

/** An Adaptive Card 1.4 for the message (title, body, level, facts, link). */
export function card(message, { body = message.body, facts = message.metadata ?? [], more = 0, title = message.title } = {}) {
  const level = message.level ?? 'info';
  const heading = title && title.trim() ? title.trim() : LEVEL_WORDS[level] ?? 'Info';
  const blocks = [
    { type: 'TextBlock', text: `${levelEmoji(level)} ${heading}`, weight: 'Bolder', size: 'Large', color: COLORS[level] ?? 'Default', wrap: true },
  ];
  if (body) blocks.push({ type: 'TextBlock', text: body, wrap: true });
  const factList = facts.map(([k, v]) => ({ title: k, value: v }));
  if (more) factList.push({ title: '…', value: `${more} more` });
  if (factList.length) blocks.push({ type: 'FactSet', facts: factList });
  const c = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: blocks,
  };
  if (message.link) c.actions = [{ type: 'Action.OpenUrl', title: 'Open link', url: message.link }];
  return c;
}

export const payloadBytes = (payload) => utf8Length(JSON.stringify(payload));

/**
 * The request body for `message`, within MAX_PAYLOAD_BYTES: long facts and
 * title are shortened, then the body is cut (binary search on its length)
 * with a visible marker, then facts are dropped from the end ("N more").
 * Returns `{ payload, truncated }`.
 */
export function build(message, budget = MAX_PAYLOAD_BYTES) {
  if (message.raw !== undefined && message.raw !== null) return { payload: rawPayload(message.raw, budget), truncated: false };
  let payload = envelope(card(message));
  if (payloadBytes(payload) <= budget) return { payload, truncated: false };

  const title = message.title ? truncate(message.title, MAX_TITLE, '…') : message.title;
  let facts = (message.metadata ?? []).map(([k, v]) => [truncate(k, MAX_FACT_TITLE, '…'), truncate(v, MAX_FACT_VALUE, MARKER)]);
  let more = 0;
  const fits = (body) => payloadBytes(envelope(card(message, { body, facts, more, title }))) <= budget;
  while (!fits(MARKER) && facts.length) {
    facts = facts.slice(0, -1);
    more += 1;
  }
  let body = message.body;
  if (!fits(body)) {
    const chars = [...message.body];
    let lo = 0;
    let hi = chars.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fits(chars.slice(0, mid).join('') + MARKER)) lo = mid;
      else hi = mid - 1;
    }
    body = chars.slice(0, lo).join('') + MARKER;
  }
  payload = envelope(card(message, { body, facts, more, title }));
  return { payload, truncated: true };
}

/** `raw`: an Adaptive Card's JSON sent as the card content (or a whole `{"type":"message",...}`). */
export function rawPayload(raw, budget = MAX_PAYLOAD_BYTES) {
  let value;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    throw rejected('invalid-raw', `raw must be an Adaptive Card as JSON: ${e.message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw rejected('invalid-raw', 'raw must be a JSON object: an Adaptive Card ({"type":"AdaptiveCard",...})');
  }
  const payload = value.type === 'message' && Array.isArray(value.attachments) ? value : envelope(value);
  const size = payloadBytes(payload);
  if (size > budget) {
    throw rejected('payload-too-large', `the raw card makes a ${size}-byte message; Teams accepts about 28 KB (this flavor sends at most ${budget} bytes): shorten it`);
  }
  return payload;
}

const HINTS = {
  400: 'Teams refused the message: the card is not one the flow accepts (check --raw), or the flow expects another body',
  401: 'the flow refused the call: copy the webhook URL again from the Workflows app, with its sig= parameter',
  403: 'the flow refused the call: copy the webhook URL again from the Workflows app, with its sig= parameter, or check that the flow allows anyone to trigger it',
  404: 'no flow at this URL: it was deleted or the URL is wrong; create a Workflows webhook ("Post to a channel when a webhook request is received") and store its URL',
  410: 'the flow is gone: it was turned off or deleted; turn it on in Power Automate or create a new one',
  413: 'the message is too large for Teams',
};

/** What a non-success answer means: a `rejected` error with a hint. */
export function errorFor(resp) {
  const answer = resp.jsonOrUndefined();
  const err = answer && typeof answer === 'object' && answer.error && typeof answer.error === 'object' ? answer.error : undefined;
  const code = err && err.code ? String(err.code) : String(resp.status);
  const words = err && err.message ? String(err.message) : truncate(resp.text.trim(), 300) || `HTTP ${resp.status}`;
  let hint = HINTS[resp.status];
  if (/disabled|turned off|not enabled|is not active/i.test(words)) hint = 'the flow is turned off: turn it on in Power Automate';
  if (!hint && resp.status >= 500) hint = 'Teams or Power Automate failed: try again later';
  return rejected(code, `Teams (HTTP ${resp.status}): ${words}${hint ? ` (${hint})` : ''}`, resp.status);
}

/** Posts the message; returns `sent`. `url` is the webhook URL's placeholder. */
export function send(url, message) {
  const { payload, truncated } = build(message);
  if (truncated) log.info(`message shortened to fit Teams' limit (${MAX_PAYLOAD_BYTES} bytes of JSON)`);
  const resp = Request.post(url).json(payload).send();
  log.debug(`teams: HTTP ${resp.status}`);
  if (resp.status === 429) throw resp.rateLimited(5000);
  if (!resp.isSuccess) throw errorFor(resp);
  // Old Office 365 connectors answer 200 with an error text instead of a
  // status, throttling included ("... returned HTTP error 429 ...").
  if (resp.status === 200 && /delivery failed|returned HTTP error/i.test(resp.text)) {
    const m = /HTTP error (\d{3})/.exec(resp.text);
    if (m && m[1] === '429') throw rateLimited(5000, `Teams: ${truncate(resp.text.trim(), 300)}`);
    throw rejected(m ? m[1] : 'delivery-failed', `Teams: ${truncate(resp.text.trim(), 300)}`, m ? Number(m[1]) : resp.status);
  }
  // Workflows answers 202 with an empty body; the run id, when given, is the only reference.
  return { reference: resp.header('x-ms-workflow-run-id') ?? '', link: undefined };
}
