import { describe, expect, it } from 'vitest';
import { hasUrlSecret, redactUrl, redactUrlsIn } from '../../../shared/redact';

describe('redactUrl', () => {
  it('hides a password, keeping the user, host, path and other parameters', () => {
    expect(redactUrl('https://alice:s3cr3t@data.example.com:8443/x/y.csv?format=csv#top')).toBe(
      'https://alice:***@data.example.com:8443/x/y.csv?format=csv#top',
    );
  });

  it('hides a lone user part (a token) and secret-looking query values', () => {
    expect(redactUrl('https://ghp_abc123@github.com/o/r.git')).toBe(
      'https://***@github.com/o/r.git',
    );
    expect(
      redactUrl(
        'https://s3.example/b/k.csv?X-Amz-Signature=abc&X-Amz-Credential=AK%2F1&x-amz-date=2026&token=t0k&api_key=k&access_token=a&sig=s&page=2',
      ),
    ).toBe(
      'https://s3.example/b/k.csv?X-Amz-Signature=***&X-Amz-Credential=***&x-amz-date=2026&token=***&api_key=***&access_token=***&sig=***&page=2',
    );
    expect(redactUrl('http://h/hook?code=123&key=k')).toBe('http://h/hook?code=***&key=***');
  });

  it('leaves URLs without secrets, and anything that is not a URL, byte for byte', () => {
    for (const s of [
      'https://example.com/data.csv?format=csv',
      'http://127.0.0.1:7070/',
      '/home/ada/data.csv',
      'C:\\data\\x.csv',
      'not a url',
      '',
    ]) {
      expect(redactUrl(s)).toBe(s);
      expect(hasUrlSecret(s)).toBe(false);
    }
    expect(hasUrlSecret('https://u:p@h/')).toBe(true);
  });

  it('takes the last @ as the end of the user part (a password holding @)', () => {
    expect(redactUrl('https://u:p@ss@host/x')).toBe('https://u:***@host/x');
  });
});

describe('redactUrlsIn', () => {
  it('redacts each URL in a message and keeps the sentence around it', () => {
    expect(
      redactUrlsIn(
        "cannot download https://u:pw@h/x.csv?token=T (HTTP 401); tried 'http://h2/y?secret=S'.",
      ),
    ).toBe(
      "cannot download https://u:***@h/x.csv?token=*** (HTTP 401); tried 'http://h2/y?secret=***'.",
    );
    expect(redactUrlsIn("SELECT * FROM read_csv('https://k:v@h/a.csv')")).toBe(
      "SELECT * FROM read_csv('https://k:***@h/a.csv')",
    );
  });
});
