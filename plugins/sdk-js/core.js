// alerter flavor SDK for JavaScript (componentize-js): the plain half.
//
// Nothing here imports the component bindings, so it runs under Node for
// tests. `component.js` installs the host's `http.fetch` and `log.write`
// (it imports `alerter:flavor/...`, which exists only inside a
// componentize-js build) and wraps an implementation into the exported
// interface.
//
// How componentize-js maps the contract (alerter:flavor@0.2.0):
// - the export is `export const flavor = { info, capabilitiesFor, send, replies, update }`
//   (kebab-case WIT names become camelCase, for functions and record fields);
// - an exported `result` error is thrown: the thrown value's own `payload`
//   property is the `flavor-error`, e.g. `{ tag: 'rejected', val: { code, message, status } }`
//   (`status`: the answer's HTTP status, or undefined for none);
//   throwing an `Error` without `payload` traps;
// - an imported `result` error (http.fetch) is thrown as an Error whose
//   `payload` is the `http-error`, e.g. `{ tag: 'denied', val: '...' }`;
// - variants are `{ tag, val }` with kebab-case tags, enums are strings
//   (`'info'`, `'warning'`), `option<T>` is `T | undefined`, `list<u8>` is a
//   Uint8Array; a `u64` arrives as a BigInt, and the SDK returns BigInts
//   (`retryAfterMs: 1500n`; a safe-integer Number is accepted too).

// --- errors ---------------------------------------------------------------------------

/** Base of the errors a flavor throws; `payload` is the WIT `flavor-error`. */
export class FlavorError extends Error {
  constructor(tag, val, message) {
    super(message);
    this.name = 'FlavorError';
    this.payload = { tag, val };
  }
  get kind() {
    return this.payload.tag;
  }
}

/** A setting is missing or malformed; the text says which. */
export const invalidSettings = (message) => new FlavorError('invalid-settings', message, message);
/**
 * The service answered with an error: its code, what to do, and the HTTP
 * status of the answer when there was one (the host treats 5xx as transient:
 * an `ask` keeps waiting; anything else as final).
 */
export const rejected = (code, message, status) =>
  new FlavorError('rejected', { code: String(code), message, status: status === undefined || status === null ? undefined : Number(status) }, message);
/** The service asked us to slow down. */
export const rateLimited = (retryAfterMs, message) =>
  new FlavorError('rate-limited', { retryAfterMs: BigInt(Math.max(0, Math.ceil(Number(retryAfterMs)))), message }, message);
/** The flavor cannot do this. */
export const unsupported = (message) => new FlavorError('unsupported', message, message);
/** Anything else: a network failure, an unexpected answer. */
export const internal = (message) => new FlavorError('internal', message, message);

/** Whatever was thrown, as a FlavorError (a bug becomes `internal` with its message). */
export function toFlavorError(e) {
  if (e instanceof FlavorError) return e;
  if (e && typeof e === 'object' && e.payload && typeof e.payload.tag === 'string') {
    return new FlavorError(e.payload.tag, e.payload.val, String(e.payload.val?.message ?? e.payload.val));
  }
  if (e instanceof Error) return internal(`flavor bug: ${e.name}: ${e.message}`);
  return internal(`flavor bug: threw ${typeof e === 'string' ? e : JSON.stringify(e)}`);
}

/** The host could not get a response: `kind` is the http-error tag. */
export class HttpFailure extends Error {
  constructor(kind, message, retryAfterMs) {
    super(`${kind}: ${message}`);
    this.name = 'HttpFailure';
    this.kind = kind;
    this.detail = message;
    this.retryAfterMs = retryAfterMs;
  }
  toFlavorError() {
    if (this.kind === 'rate-limited') return rateLimited(this.retryAfterMs ?? 1000, this.detail);
    if (this.kind === 'denied') return internal(this.detail);
    return internal(`${this.kind.replace(/-/g, ' ')}: ${this.detail}`);
  }
}

// --- settings ----------------------------------------------------------------------------

/** The settings of one call: `[[key, value], ...]`; the last pair wins. */
export class Settings {
  constructor(pairs = []) {
    this.pairs = pairs.map(([k, v]) => [k, v]);
  }
  /** The value of `name` if set to something non-blank, else `fallback`. */
  get(name, fallback = undefined) {
    for (let i = this.pairs.length - 1; i >= 0; i--) {
      const [k, v] = this.pairs[i];
      if (k === name) return v.trim() ? v : fallback;
    }
    return fallback;
  }
  /** The value of `name`, or an `invalid-settings` error saying how to set it. */
  require(name) {
    const v = this.get(name);
    if (v === undefined) throw invalidSettings(`setting \`${name}\` is required: pass --set ${name}=VALUE`);
    return v;
  }
  has(name) {
    return this.get(name) !== undefined;
  }
}

// --- HTTP ----------------------------------------------------------------------------------

let transport = null;

/** Installs `(method, url, headers, body) => Response` (throws HttpFailure). */
export function setTransport(fn) {
  transport = fn;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Request {
  constructor(method, url) {
    this.method = method;
    this.url = url;
    this.headers = [];
    this.body = undefined;
  }
  static get(url) {
    return new Request('GET', url);
  }
  static post(url) {
    return new Request('POST', url);
  }
  /** Sets header `name` (lowercased), replacing an earlier value. */
  header(name, value) {
    const n = name.toLowerCase();
    this.headers = this.headers.filter(([k]) => k !== n);
    this.headers.push([n, String(value)]);
    return this;
  }
  /** `authorization: Bearer <token>`: pass the secret's placeholder as is. */
  bearer(token) {
    return this.header('authorization', `Bearer ${token}`);
  }
  /** A JSON body with its content type. */
  json(value) {
    this.body = encoder.encode(JSON.stringify(value));
    return this.header('content-type', 'application/json');
  }
  data(bytes, contentType) {
    this.body = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
    return this.header('content-type', contentType);
  }
  /** Sends it; throws HttpFailure when no response came. */
  sendRaw() {
    if (!transport) throw internal('no HTTP transport: import the SDK through component.js inside a component');
    return transport(this.method, this.url, this.headers.slice(), this.body);
  }
  /** Sends it; a failure to get any response becomes a FlavorError. */
  send() {
    try {
      return this.sendRaw();
    } catch (e) {
      if (e instanceof HttpFailure) throw e.toFlavorError();
      throw e;
    }
  }
}

export class Response {
  constructor(status, headers = [], body = new Uint8Array()) {
    this.status = status;
    this.headers = headers.map(([k, v]) => [k.toLowerCase(), v]);
    this.body = typeof body === 'string' ? encoder.encode(body) : body;
  }
  header(name) {
    const n = name.toLowerCase();
    const h = this.headers.find(([k]) => k === n);
    return h ? h[1] : undefined;
  }
  get text() {
    return decoder.decode(this.body);
  }
  /** The body as JSON, or an `internal` error quoting its start. */
  json() {
    try {
      return JSON.parse(this.text);
    } catch (e) {
      throw internal(`unexpected answer (HTTP ${this.status}): not JSON (${e.message}): ${truncate(this.text, 200)}`);
    }
  }
  jsonOrUndefined() {
    try {
      return JSON.parse(this.text);
    } catch {
      return undefined;
    }
  }
  get isSuccess() {
    return this.status >= 200 && this.status < 300;
  }
  /** `Retry-After` in milliseconds (seconds, possibly fractional), or undefined. */
  retryAfterMs() {
    return parseRetryAfter(this.header('retry-after'));
  }
  /** A rate-limited error for a 429 (`Retry-After`, else `defaultMs`), else undefined. */
  rateLimited(defaultMs = 1000) {
    if (this.status !== 429) return undefined;
    return rateLimited(this.retryAfterMs() ?? defaultMs, `rate limited (HTTP 429): ${truncate(this.text, 200)}`);
  }
  /** Itself for 2xx; throws rate-limited for 429, rejected (code and status = the status) otherwise. */
  ensureSuccess() {
    if (this.isSuccess) return this;
    const limited = this.rateLimited();
    if (limited) throw limited;
    throw rejected(String(this.status), `HTTP ${this.status}: ${truncate(this.text, 300)}`, this.status);
  }
}

export function parseRetryAfter(value) {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const s = Number(String(value).trim());
  if (!Number.isFinite(s) || s < 0) return undefined;
  return Math.ceil(s * 1000);
}

// --- text ------------------------------------------------------------------------------------

export const TRUNCATION_MARKER = '… [truncated]';

/** Length in UTF-16 code units (JavaScript's own `length`). */
export const utf16Length = (s) => s.length;
/** Length in UTF-8 bytes. */
export const utf8Length = (s) => encoder.encode(s).length;
/** Length in code points. */
export const codePointLength = (s) => [...s].length;

/**
 * `text` cut to at most `limit` units of `measure` (code points by default),
 * ending with `marker` when anything was cut. Never splits a character.
 */
export function truncate(text, limit, marker = TRUNCATION_MARKER, measure = codePointLength) {
  if (measure(text) <= limit) return text;
  let budget = limit - measure(marker);
  if (budget < 0) {
    marker = '';
    budget = limit;
  }
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(chars.slice(0, mid).join('')) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('') + marker;
}

export const LEVEL_EMOJI = { info: 'ℹ️', success: '✅', warning: '⚠️', failure: '🚨' };
/** An emoji for the level (`info`, `success`, `warning`, `failure`). */
export const levelEmoji = (level) => LEVEL_EMOJI[level] ?? LEVEL_EMOJI.info;

// --- log -------------------------------------------------------------------------------------

let logSink = null;
/** Installs `(level, message) => void`; levels: trace debug info warn error. */
export function setLogSink(fn) {
  logSink = fn;
}
function write(level, message) {
  if (logSink) logSink(level, String(message));
}
export const log = {
  trace: (m) => write('trace', m),
  debug: (m) => write('debug', m),
  info: (m) => write('info', m),
  warn: (m) => write('warn', m),
  error: (m) => write('error', m),
};

// --- declaring a flavor ------------------------------------------------------------------------

/** A setting for `info().settings`. */
export function setting(name, description, { required = false, default: def = undefined, secret = undefined } = {}) {
  return { name, description, required, default: def, secret };
}
/** Secret slots: a header with a format, the whole URL, or one path segment. */
export const headerSlot = (name, format) => ({ tag: 'header', val: { name, format } });
export const urlSlot = () => ({ tag: 'url' });
export const pathSegmentSlot = (pattern) => ({ tag: 'path-segment', val: pattern });
/** A secret spec: where it goes and to which origins. */
export const secret = (slot, origins) => ({ slot, origins });

/** Capabilities with everything false unless given. */
export function capabilities(c = {}) {
  return {
    post: c.post ?? true,
    readReplies: c.readReplies ?? false,
    threads: c.threads ?? false,
    attachments: c.attachments ?? false,
    reactions: c.reactions ?? false,
    update: c.update ?? false,
  };
}

/**
 * The exported interface for an implementation `impl`:
 * `{ info(), capabilitiesFor?(settings), send(settings, message), replies?(...), update?(...) }`
 * whose methods take a `Settings` instead of raw pairs and may throw anything:
 * a FlavorError keeps its case, anything else becomes `internal`. Missing
 * `replies`/`update` answer `unsupported`.
 */
export function defineFlavor(impl) {
  const info = () => impl.info();
  const guard = (fn) => (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      const err = toFlavorError(e);
      if (err.kind === 'internal' && !(e instanceof FlavorError)) log.error(e && e.stack ? e.stack : String(e));
      throw err;
    }
  };
  return {
    info,
    capabilitiesFor(pairs) {
      try {
        return impl.capabilitiesFor ? impl.capabilitiesFor(new Settings(pairs)) : info().capabilities;
      } catch (e) {
        log.warn(`capabilitiesFor failed (${e && e.message}); using info's capabilities`);
        return info().capabilities;
      }
    },
    send: guard((pairs, message) => impl.send(new Settings(pairs), message)),
    replies: guard((pairs, reference, cursor) => {
      if (!impl.replies) throw unsupported(`${info().name} cannot read replies: it only posts`);
      return impl.replies(new Settings(pairs), reference, cursor);
    }),
    update: guard((pairs, reference, message) => {
      if (!impl.update) throw unsupported(`${info().name} cannot edit a posted message`);
      impl.update(new Settings(pairs), reference, message);
    }),
  };
}
