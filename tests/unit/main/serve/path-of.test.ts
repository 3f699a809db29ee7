// The server's request-path shortcut must agree with the WHATWG URL parser on every target, plain or not.
import { describe, expect, it } from 'vitest';
import { pathOf } from '../../../../main/serve/server';

const targets = [
  '/',
  '/health',
  '/health/',
  '/health?x=1',
  '/v1/models/cars/predict',
  '/v1/models/cars.v2/predict',
  '/v1/models/my_model-1~x/predict?debug=1&y=/a/../b',
  '/v1/models/../health',
  '/v1/models/./cars/predict',
  '/v1/models/%2e%2e/predict',
  '/v1/models/.%2E/x',
  '/v1/models/a%20b/predict',
  '/v1/models/.hidden/predict',
  '//health',
  '/a//b',
  '/a\\b',
  '/a#frag',
  '/a b',
  '/caf\u00e9',
  '/a/b/..',
  '/..',
  '/.',
  "/v1/models/x!$&'()*+,;=:@/predict",
  `/${'a'.repeat(5000)}`,
  `/${'a/'.repeat(2000)}x#`,
];

describe('pathOf', () => {
  it.each(targets)('%s', (t) => {
    expect(pathOf(t)).toBe(new URL(t, 'http://localhost').pathname);
  });
});
