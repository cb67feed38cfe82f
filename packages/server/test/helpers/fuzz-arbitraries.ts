// Hostile requests for the fuzz test, as fast-check arbitraries: strings with NUL bytes and lone
// surrogates, huge and odd numbers, wrong types, deep nesting, huge strings, prototype-pollution
// keys, broken percent-encoding and content types. Bodies are built as JSON text, so that any key
// (`__proto__` included) and any number token (`1e400`) reaches the server as written.
import fc from 'fast-check';
import { type ApiOperation, sampleOf } from './api-surface.ts';

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('\u0000', 'a', '\u202e', '😀')), maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'bot_\u0000',
    '\ud800',
    'x\udfff',
    '__proto__',
    'constructor',
    'prototype',
    "'; DROP TABLE chatbots; --",
    '../../etc/passwd',
    '{{7*7}}',
    'bot_01h455vb4pex5vsknk084sn02q',
    'conv_00000000000000000000000000',
    'msg_zzzzzzzzzzzzzzzzzzzzzzzzzz',
    'src_01h455vb4pex5vsknk084sn02q\u0000',
    'http://127.0.0.1:1/',
    'https://example.com/\u0000',
    'a@b',
    '1e400',
    'NaN',
    '-1',
    '99999999999999999999999999',
    'ℌ𝔢𝔩𝔩𝔬 ﷽ ñ̃ ᄀᄀᄀ각',
  ),
  fc.constantFrom(100_000, 1_100_000).map((length) => 'x'.repeat(length)),
);

/** JSON number tokens that JSON.stringify cannot write: they reach the parser as sent. */
const numberToken = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '-0',
    '9007199254740993',
    '123456789012345678901234567890',
    '0.1e1',
  ),
);

const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    '',
    '\u0000',
    '\ud800',
  ),
  fc.string({ maxLength: 8 }),
);

/** Any JSON value, as text, with hostile leaves and keys. */
export const hostileJson: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString.map((s) => JSON.stringify(s)),
    numberToken,
    fc.constantFrom(
      'true',
      'false',
      'null',
      '{"__proto__":{"isAdmin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
    ),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

/** Nesting far deeper than any schema: arrays or objects, `depth` levels. */
const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 50_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Text that is not JSON, or barely. */
const brokenJson = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    '{',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    '\u0000',
    '\ufeff{}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    'null',
    '[]',
  ),
);

function entriesOf(value: unknown): [string, unknown][] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
}
function objectText(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** A body for the operation: a valid one with one field made hostile, extra keys, or junk. */
export function hostileBody(operation: ApiOperation): fc.Arbitrary<string> {
  const sample = operation.body ? sampleOf(operation.body) : {};
  const valid = entriesOf(sample).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]);
  const names = [...new Set([...valid.map(([k]) => k), ...Object.keys(operation.body?.properties ?? {})])];
  const oneFieldHostile = names.length
    ? fc
        .tuple(fc.constantFrom(...names), hostileJson)
        .map(([name, value]) => objectText([...valid.filter(([k]) => k !== name), [name, value]]))
    : hostileJson;
  return fc.oneof(
    { weight: 4, arbitrary: oneFieldHostile },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileKey, hostileJson).map(([k, v]) => objectText([[k, v], ...valid])),
    },
    { weight: 2, arbitrary: hostileJson },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: brokenJson },
  );
}

/** A path segment or query value as it would be sent: lone surrogates as their raw bytes. */
export function encodeLoosely(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

const brokenEncoding = fc.constantFrom(
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '%FF%FE',
  '%ED%A0%80',
  '..',
  '.',
  '%2e%2e',
  '%2F',
);

/** A path parameter: the real id (when given), a hostile string, or broken percent-encoding. */
export function hostileId(realId: string | null): fc.Arbitrary<string> {
  const hostile = fc.oneof(hostileString.map(encodeLoosely), brokenEncoding);
  return realId ? fc.oneof(fc.constant(realId), hostile) : hostile;
}

/** A query string: the operation's own parameters and others, with hostile values, some repeated. */
export function hostileQuery(operation: ApiOperation): fc.Arbitrary<string> {
  const names = fc.oneof(
    ...(operation.query.length ? [fc.constantFrom(...operation.query.map((q) => q.name))] : []),
    fc.constantFrom('__proto__', 'constructor[prototype][x]', 'page_size[]', 'cursor', 'token'),
    fc.string({ maxLength: 6 }).map(encodeLoosely),
  );
  const value = fc.oneof(hostileString.map(encodeLoosely), numberToken, brokenEncoding);
  return fc
    .array(fc.tuple(names, value), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
}

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/vnd.api+json',
      'application/json, text/html',
      '',
    ),
  },
);

/** An Idempotency-Key header value (printable ASCII only: anything else is no valid header). */
export const idempotencyKey = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constant('k'.repeat(10_000)),
);
