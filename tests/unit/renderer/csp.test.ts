import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../main/electron/security';
import { CSP as HOST_CONTENT_SECURITY_POLICY } from '../../../main/host/server';

// renderer/index.html carries Electron's policy as a <meta> tag (the renderer may not import main/), with
// two differences:
// - connect-src: the browser host (`lathe ui`) sends its own CSP header and browsers enforce both, so the
//   meta must also allow the host's event WebSocket (ws:/wss:). Electron talks over IPC and keeps 'self'.
// - frame-ancestors: ignored in a <meta> (Chromium logs an error for it), so only the headers carry it.

const repo = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(resolve(repo, path), 'utf8');

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name = '', ...values] = part.split(/\s+/);
        return [name.toLowerCase(), values];
      }),
  );
}

function metaPolicy(html: string): string {
  const metas = [...html.matchAll(/<meta\b[^>]*>/gi)]
    .map((m) => m[0])
    .filter((tag) => /http-equiv\s*=\s*"Content-Security-Policy"/i.test(tag));
  expect(metas).toHaveLength(1);
  const content = /\bcontent\s*=\s*"([^"]*)"/i.exec(metas[0] ?? '');
  expect(content).not.toBeNull();
  return content?.[1] ?? '';
}

describe('renderer/index.html Content-Security-Policy meta', () => {
  const meta = directives(metaPolicy(read('renderer/index.html')));
  const electron = directives(CONTENT_SECURITY_POLICY);
  const host = directives(HOST_CONTENT_SECURITY_POLICY);

  const HEADER_ONLY = ['frame-ancestors', 'report-uri', 'sandbox'];

  it("has Electron's directives, each unchanged except connect-src, minus header-only ones", () => {
    const expected = [...electron.keys()].filter((name) => !HEADER_ONLY.includes(name));
    expect([...meta.keys()].sort()).toEqual(expected.sort());
    for (const name of expected) {
      if (name === 'connect-src') continue;
      expect(meta.get(name), name).toEqual(electron.get(name));
    }
  });

  it('leaves frame-ancestors to the headers, which both send', () => {
    expect(electron.get('frame-ancestors')).toEqual(["'none'"]);
    expect(host.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it("widens connect-src only by the browser host's WebSocket schemes", () => {
    expect(meta.get('connect-src')).toEqual([
      ...(electron.get('connect-src') ?? []),
      'ws:',
      'wss:',
    ]);
  });

  it("allows every connection the browser host's own CSP header allows", () => {
    const hostSources = host.get('connect-src');
    expect(hostSources).toBeDefined();
    expect(meta.get('connect-src')).toEqual(expect.arrayContaining(hostSources ?? []));
  });

  it('comes before any script or stylesheet in <head>', () => {
    const html = read('renderer/index.html');
    const at = html.search(/http-equiv\s*=\s*"Content-Security-Policy"/i);
    const firstResource = html.search(/<script\b|<link\b|<style\b/i);
    expect(at).toBeGreaterThan(0);
    expect(firstResource === -1 || at < firstResource).toBe(true);
  });
});
