import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Response, setTransport } from '../../sdk-js/core.js';
import { MARKER, MAX_PAYLOAD_BYTES, build, card, errorFor, payloadBytes, send } from '../teams.js';

const URL = '<<secret:webhook_url>>';

function fake(...answers) {
  const calls = [];
  setTransport((method, url, headers, body) => {
    calls.push({ method, url, headers, json: JSON.parse(new TextDecoder().decode(body)) });
    return answers.shift();
  });
  return calls;
}

const message = (extra = {}) => ({ title: 'Training', body: 'Loss went **up**', level: 'failure', metadata: [['run', '42'], ['acc', '0.93']], link: 'https://ci.test/42', attachments: [], ...extra });

test('card: title, colour, body, facts, link action', () => {
  const c = card(message());
  assert.equal(c.type, 'AdaptiveCard');
  assert.equal(c.version, '1.4');
  assert.deepEqual(c.body[0], { type: 'TextBlock', text: '🚨 Training', weight: 'Bolder', size: 'Large', color: 'Attention', wrap: true });
  assert.deepEqual(c.body[1], { type: 'TextBlock', text: 'Loss went **up**', wrap: true });
  assert.deepEqual(c.body[2], { type: 'FactSet', facts: [{ title: 'run', value: '42' }, { title: 'acc', value: '0.93' }] });
  assert.deepEqual(c.actions, [{ type: 'Action.OpenUrl', title: 'Open link', url: 'https://ci.test/42' }]);
  const plain = card({ body: 'x', level: 'success', metadata: [] });
  assert.equal(plain.body[0].text, '✅ Success');
  assert.equal(plain.body[0].color, 'Good');
  assert.equal(plain.body.length, 2);
  assert.equal(plain.actions, undefined);
  assert.equal(card({ body: 'x', level: 'warning', metadata: [] }).body[0].color, 'Warning');
  assert.equal(card({ body: 'x', level: 'info', metadata: [] }).body[0].color, 'Default');
});

test('send: POSTs the Workflows envelope to the URL placeholder; 202 with an empty body is success', () => {
  const calls = fake(new Response(202, [], ''));
  const sent = send(URL, message());
  assert.equal(calls[0].url, URL);
  assert.equal(calls[0].method, 'POST');
  assert.deepEqual(calls[0].headers, [['content-type', 'application/json']]);
  const p = calls[0].json;
  assert.equal(p.type, 'message');
  assert.equal(p.attachments.length, 1);
  assert.equal(p.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(p.attachments[0].contentUrl, null);
  assert.equal(p.attachments[0].content.type, 'AdaptiveCard');
  assert.deepEqual(sent, { reference: '', link: undefined });
  fake(new Response(200, [['x-ms-workflow-run-id', '0858']], ''));
  assert.equal(send(URL, message()).reference, '0858');
});

test('a huge body is cut with a marker to the exact budget', () => {
  const big = message({ body: 'é'.repeat(40000) });
  const { payload, truncated } = build(big);
  assert.ok(truncated);
  const size = payloadBytes(payload);
  assert.ok(size <= MAX_PAYLOAD_BYTES && size > MAX_PAYLOAD_BYTES - 10, String(size));
  assert.ok(payload.attachments[0].content.body[1].text.endsWith(MARKER));
  assert.equal(payload.attachments[0].content.body[2].facts.length, 2);
});

test('huge metadata is shortened and then dropped with a count', () => {
  const meta = Array.from({ length: 200 }, (_, i) => [`k${i}`, 'v'.repeat(5000)]);
  const { payload } = build(message({ metadata: meta }));
  assert.ok(payloadBytes(payload) <= MAX_PAYLOAD_BYTES);
  const facts = payload.attachments[0].content.body.find((b) => b.type === 'FactSet').facts;
  assert.equal(facts.at(-1).title, '…');
  assert.match(facts.at(-1).value, /^\d+ more$/);
});

test('raw: a card sent as the content; a whole message verbatim; too big or not JSON rejected', () => {
  const rawCard = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'hi' }] };
  assert.deepEqual(build(message({ raw: JSON.stringify(rawCard) })).payload.attachments[0].content, rawCard);
  const whole = { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: rawCard }] };
  assert.deepEqual(build(message({ raw: JSON.stringify(whole) })).payload, whole);
  assert.throws(() => build(message({ raw: '{' })), (e) => e.payload.val.code === 'invalid-raw');
  assert.throws(() => build(message({ raw: '[1]' })), (e) => e.payload.val.code === 'invalid-raw');
  const huge = { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: 'x'.repeat(30000) }] };
  assert.throws(() => build(message({ raw: JSON.stringify(huge) })), (e) => e.payload.val.code === 'payload-too-large');
});

test('answers: 429 with Retry-After, 4xx with hints and the flow error code', () => {
  fake(new Response(429, [['retry-after', '3']], ''));
  assert.throws(() => send(URL, message()), (e) => e.payload.tag === 'rate-limited' && e.payload.val.retryAfterMs === 3000n);
  fake(new Response(429, [], ''));
  assert.throws(() => send(URL, message()), (e) => e.payload.val.retryAfterMs === 5000n);
  const cases = [
    [404, '{"error":{"code":"WorkflowNotFound","message":"The workflow could not be found."}}', 'WorkflowNotFound', /deleted or the URL is wrong/],
    [400, '{"error":{"code":"InvalidRequestContent","message":"bad card"}}', 'InvalidRequestContent', /card is not one the flow accepts/],
    [410, '', '410', /turned off or deleted/],
    [400, '{"error":{"code":"WorkflowDisabled","message":"The workflow is disabled."}}', 'WorkflowDisabled', /turn it on/],
    [403, 'forbidden', '403', /sig=/],
    [502, 'bad gateway', '502', /try again later/],
  ];
  for (const [status, body, code, hint] of cases) {
    const e = errorFor(new Response(status, [], body));
    assert.equal(e.payload.tag, 'rejected');
    assert.equal(e.payload.val.code, code);
    assert.equal(e.payload.val.status, status);
    assert.match(e.payload.val.message, hint);
  }
});

test('old connectors: 200 with an error text is a rejection', () => {
  fake(new Response(200, [], 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId ...'));
  assert.throws(() => send(URL, message()), (e) => e.payload.tag === 'rejected' && e.payload.val.code === '413' && e.payload.val.status === 413);
  fake(new Response(200, [], 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId ...'));
  assert.throws(() => send(URL, message()), (e) => e.payload.tag === 'rate-limited' && e.payload.val.retryAfterMs === 5000n);
});
