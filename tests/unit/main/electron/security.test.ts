import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isExternalWebUrl,
  isRendererUrl,
  withContentSecurityPolicy,
} from '../../../../main/electron/security';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('CONTENT_SECURITY_POLICY', () => {
  const policy = directives(CONTENT_SECURITY_POLICY);

  it('loads scripts and data only from the app itself', () => {
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('img-src')).toEqual(["'self'", 'data:']);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
  });

  it('never allows eval or inline scripts', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(policy.get('script-src')).not.toContain("'unsafe-inline'");
  });
});

describe('withContentSecurityPolicy', () => {
  it('replaces a CSP the response carried, whatever its letter case, and keeps other headers', () => {
    const headers = withContentSecurityPolicy({
      'content-security-policy': ["default-src *; script-src 'unsafe-eval'"],
      'Content-Type': 'text/html',
    });
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('adds the CSP when there were no headers', () => {
    expect(withContentSecurityPolicy(undefined)).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });
});

describe('isRendererUrl', () => {
  const index = 'file:///app/out/renderer/index.html';

  it('accepts our page with any hash or query', () => {
    expect(isRendererUrl(index, index)).toBe(true);
    expect(isRendererUrl(`${index}#/data/penguins`, index)).toBe(true);
    expect(isRendererUrl(`${index}?x=1#/runs/7`, index)).toBe(true);
  });

  it('accepts the same path however it is percent-encoded', () => {
    const spaced = 'file:///Users/ada/My%20Apps/out/renderer/index.html';
    expect(isRendererUrl('file:///Users/ada/My Apps/out/renderer/index.html', spaced)).toBe(true);
  });

  it('refuses other files, other schemes and garbage', () => {
    expect(isRendererUrl('file:///app/out/renderer/other.html', index)).toBe(false);
    expect(isRendererUrl('file:///etc/passwd', index)).toBe(false);
    expect(isRendererUrl('file:///app/out/renderer/index.html/../../x', index)).toBe(false);
    expect(isRendererUrl('http://127.0.0.1:7070/index.html', index)).toBe(false);
    expect(isRendererUrl('https://evil.example/app/out/renderer/index.html', index)).toBe(false);
    expect(isRendererUrl('file://evilhost/app/out/renderer/index.html', index)).toBe(false);
    expect(isRendererUrl('', index)).toBe(false);
    expect(isRendererUrl('not a url', index)).toBe(false);
  });

  it('refuses everything when the expected page is not a file URL', () => {
    expect(isRendererUrl('http://localhost/', 'http://localhost/')).toBe(false);
  });
});

describe('isExternalWebUrl', () => {
  it('lets only http(s) links go to the browser', () => {
    expect(isExternalWebUrl('https://lathe.dev/docs')).toBe(true);
    expect(isExternalWebUrl('http://localhost:7070/')).toBe(true);
    expect(isExternalWebUrl('file:///etc/passwd')).toBe(false);
    expect(isExternalWebUrl('javascript:alert(1)')).toBe(false);
    expect(isExternalWebUrl('smb://share/x')).toBe(false);
    expect(isExternalWebUrl('::')).toBe(false);
  });
});
