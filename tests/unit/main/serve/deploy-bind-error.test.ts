// bindError: why a prediction server could not listen, as INVALID_INPUT naming the host or port given.
import { describe, expect, it } from 'vitest';
import { bindError } from '../../../../main/serve/deploy-service';

const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

describe('bindError', () => {
  it('names the port for a port in use or one needing privileges', () => {
    const inUse = bindError(errno('EADDRINUSE'), '127.0.0.1', 8000)!;
    expect(inUse.code).toBe('INVALID_INPUT');
    expect(inUse.message).toMatch(/^port 8000 on 127\.0\.0\.1 is already in use/);
    expect(inUse.details).toEqual({ field: 'port', port: 8000 });
    const privileged = bindError(errno('EACCES'), '0.0.0.0', 80)!;
    expect(privileged.code).toBe('INVALID_INPUT');
    expect(privileged.message).toMatch(
      /^port 80 on 0\.0\.0\.0 needs privileges .*: choose a port from 1024 up/,
    );
    expect(privileged.details).toEqual({ field: 'port', port: 80 });
  });

  it('names the host for a name that does not resolve or an address not of this machine', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
      const e = bindError(errno(code), '999.1.1.1', 8000)!;
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toMatch(/^host '999\.1\.1\.1' is neither an IP address nor a name/);
      expect(e.details).toEqual({ field: 'host', host: '999.1.1.1' });
    }
    expect(bindError(errno('EADDRNOTAVAIL'), '10.9.9.9', 8000)!.message).toMatch(
      /^host '10\.9\.9\.9' is not an address of this machine/,
    );
  });

  it('leaves other failures alone', () => {
    expect(bindError(errno('EMFILE'), '127.0.0.1', 8000)).toBeNull();
    expect(bindError(new Error('boom'), '127.0.0.1', 8000)).toBeNull();
    expect(bindError(null, '127.0.0.1', 8000)).toBeNull();
  });
});
