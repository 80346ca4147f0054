import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FlavorError, HttpFailure, Request, Response, Settings, TRUNCATION_MARKER, capabilities, defineFlavor,
  headerSlot, internal, levelEmoji, log, parseRetryAfter, pathSegmentSlot, rateLimited, rejected, secret,
  setLogSink, setTransport, setting, truncate, unsupported, urlSlot, utf8Length,
} from '../core.js';

function fake(answers) {
  const calls = [];
  setTransport((method, url, headers, body) => {
    calls.push({ method, url, headers, body: body && new TextDecoder().decode(body) });
    const a = answers.shift();
    if (a instanceof Error) throw a;
    return a;
  });
  return calls;
}

test('settings: get, require, last pair wins, blank is unset', () => {
  const s = new Settings([['a', '1'], ['b', ' '], ['a', '2']]);
  assert.equal(s.get('a'), '2');
  assert.equal(s.get('b'), undefined);
  assert.equal(s.get('b', 'd'), 'd');
  assert.equal(s.require('a'), '2');
  assert.throws(() => s.require('b'), (e) => e.payload.tag === 'invalid-settings' && /--set b=VALUE/.test(e.payload.val));
  assert.ok(s.has('a') && !s.has('zzz'));
});

test('request: json body, bearer, header replacement', () => {
  const calls = fake([new Response(200, [['Content-Type', 'application/json']], '{"id":"7"}')]);
  const r = Request.post('https://x.test/m').json({ text: 'héllo' }).bearer('PH').header('X-A', 1).header('x-a', 2).send();
  assert.equal(calls[0].method, 'POST');
  assert.deepEqual(calls[0].headers, [['content-type', 'application/json'], ['authorization', 'Bearer PH'], ['x-a', '2']]);
  assert.equal(calls[0].body, '{"text":"héllo"}');
  assert.deepEqual(r.json(), { id: '7' });
  assert.equal(r.header('CONTENT-TYPE'), 'application/json');
});

test('http failures become flavor errors', () => {
  fake([new HttpFailure('denied', 'grant --allow-host https://x.test'), new HttpFailure('rate-limited', 'held', 2500), new HttpFailure('timeout', '30 s')]);
  assert.throws(() => Request.get('u').send(), (e) => e.payload.tag === 'internal' && e.payload.val === 'grant --allow-host https://x.test');
  assert.throws(() => Request.get('u').send(), (e) => e.payload.tag === 'rate-limited' && e.payload.val.retryAfterMs === 2500n);
  assert.throws(() => Request.get('u').send(), (e) => e.payload.val === 'timeout: 30 s');
  setTransport(null);
  assert.throws(() => Request.get('u').send(), /no HTTP transport/);
});

test('response helpers', () => {
  const r = new Response(429, [['Retry-After', '1.5']], 'slow');
  assert.equal(r.retryAfterMs(), 1500);
  assert.throws(() => r.ensureSuccess(), (e) => e.payload.tag === 'rate-limited' && e.payload.val.retryAfterMs === 1500n);
  assert.equal(new Response(429).rateLimited(3000).payload.val.retryAfterMs, 3000n);
  assert.equal(new Response(500).rateLimited(), undefined);
  assert.throws(() => new Response(404, [], 'no hook').ensureSuccess(),
    (e) => e.payload.tag === 'rejected' && e.payload.val.code === '404' && e.payload.val.status === 404 && /no hook/.test(e.payload.val.message));
  assert.throws(() => new Response(200, [], '<html>').json(), (e) => e.payload.tag === 'internal' && /not JSON/.test(e.message));
  assert.equal(new Response(202).ensureSuccess().status, 202);
  assert.equal(new Response(200, [], 'x').jsonOrUndefined(), undefined);
});

test('parseRetryAfter', () => {
  for (const [v, ms] of [['2', 2000], ['0.0001', 1], [' 3 ', 3000], ['-1', undefined], ['Wed, 21 Oct 2015 07:28:00 GMT', undefined], [undefined, undefined], ['', undefined]]) {
    assert.equal(parseRetryAfter(v), ms, String(v));
  }
});

test('errors carry WIT payloads (u64 as BigInt)', () => {
  assert.deepEqual(rejected(400, 'bad').payload, { tag: 'rejected', val: { code: '400', message: 'bad', status: undefined } });
  assert.equal(rejected('channel_not_found', 'no', 404).payload.val.status, 404);
  assert.deepEqual(rateLimited(1200.2, 'slow').payload, { tag: 'rate-limited', val: { retryAfterMs: 1201n, message: 'slow' } });
  assert.equal(unsupported('no').kind, 'unsupported');
  assert.ok(internal('x') instanceof FlavorError && internal('x') instanceof Error);
  assert.ok(Object.prototype.hasOwnProperty.call(internal('x'), 'payload'));
});

test('truncate never splits a character and ends with the marker', () => {
  assert.equal(truncate('short', 10), 'short');
  const out = truncate('x'.repeat(100), 20);
  assert.equal([...out].length, 20);
  assert.ok(out.endsWith(TRUNCATION_MARKER));
  assert.equal(truncate('😀'.repeat(10), 15, '…', (s) => s.length), '😀'.repeat(7) + '…');
  const u = truncate('é'.repeat(100), 51, '…', utf8Length);
  assert.ok(utf8Length(u) <= 51 && u.endsWith('…'));
  assert.equal(truncate('abcdef', 3), 'abc');
});

test('declaration helpers', () => {
  assert.deepEqual(setting('url', 'd', { required: true, secret: secret(urlSlot(), ['{url}']) }),
    { name: 'url', description: 'd', required: true, default: undefined, secret: { slot: { tag: 'url' }, origins: ['{url}'] } });
  assert.deepEqual(headerSlot('authorization', 'Bearer {}'), { tag: 'header', val: { name: 'authorization', format: 'Bearer {}' } });
  assert.deepEqual(pathSegmentSlot('bot{}'), { tag: 'path-segment', val: 'bot{}' });
  assert.deepEqual(capabilities({ readReplies: true }), { post: true, readReplies: true, threads: false, attachments: false, reactions: false, update: false });
  assert.equal(levelEmoji('failure'), '🚨');
});

test('defineFlavor: settings wrapped, errors typed, bugs become internal, defaults unsupported', () => {
  const lines = [];
  setLogSink((l, m) => lines.push([l, m]));
  const f = defineFlavor({
    info: () => ({ name: 'x', version: '1', description: 'd', settings: [], hosts: [], capabilities: capabilities() }),
    send(settings, message) {
      if (message.body === 'bug') return null.oops;
      return { reference: settings.require('id') + message.body };
    },
  });
  assert.deepEqual(f.send([['id', 'r']], { body: '1' }), { reference: 'r1' });
  assert.throws(() => f.send([], { body: '1' }), (e) => e.payload.tag === 'invalid-settings');
  assert.throws(() => f.send([['id', 'r']], { body: 'bug' }), (e) => e.payload.tag === 'internal' && /flavor bug: TypeError/.test(e.payload.val));
  assert.equal(lines[0][0], 'error');
  assert.throws(() => f.replies([], 'r', undefined), (e) => e.payload.tag === 'unsupported');
  assert.throws(() => f.update([], 'r', {}), (e) => e.payload.tag === 'unsupported');
  assert.deepEqual(f.capabilitiesFor([]), capabilities());
  log.info('after');
  setLogSink(null);
  log.info('dropped');
  assert.deepEqual(lines.at(-1), ['info', 'after']);
});
