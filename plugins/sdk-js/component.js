// alerter flavor SDK for JavaScript: the bindings half. Import it (or
// `index.js`) from a flavor's entry module; only a componentize-js build can
// load it, because `alerter:flavor/*` are the component's imports.
//
//   import { defineFlavor, Request, ... } from '../sdk-js/index.js';
//   export const flavor = defineFlavor({ info() {...}, send(settings, message) {...} });

import { fetch } from 'alerter:flavor/http@0.2.0';
import { write } from 'alerter:flavor/log@0.2.0';
import { HttpFailure, Response, setLogSink, setTransport } from './core.js';

setTransport((method, url, headers, body) => {
  let r;
  try {
    r = fetch({ method, url, headers, body });
  } catch (e) {
    // An imported `result` error arrives as a thrown error whose `payload`
    // is the http-error variant.
    const p = e && e.payload;
    if (p && p.tag === 'rate-limited') throw new HttpFailure('rate-limited', p.val.message, Number(p.val.retryAfterMs));
    if (p && typeof p.tag === 'string') throw new HttpFailure(p.tag, String(p.val));
    throw e;
  }
  return new Response(r.status, r.headers, r.body);
});

setLogSink((level, message) => write(level, message));

export * from './core.js';
