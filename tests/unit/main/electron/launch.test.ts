import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths, parseFlag, resolveWorkspaceDir } from '../../../../main/electron/launch';

describe('parseFlag', () => {
  it('reads --name value and --name=value', () => {
    expect(parseFlag(['electron', '.', '--workspace', '/w'], 'workspace')).toBe('/w');
    expect(parseFlag(['electron', '.', '--workspace=/w2'], 'workspace')).toBe('/w2');
  });

  it('lets the last occurrence win', () => {
    expect(parseFlag(['--workspace', '/a', '--workspace=/b'], 'workspace')).toBe('/b');
  });

  it('ignores a flag without a value and flags with a similar prefix', () => {
    expect(parseFlag(['--workspace'], 'workspace')).toBeNull();
    expect(parseFlag(['--workspace', '--inspect'], 'workspace')).toBeNull();
    expect(parseFlag(['--workspace='], 'workspace')).toBeNull();
    expect(parseFlag(['--workspaces', '/x', '--workspace-dir=/y'], 'workspace')).toBeNull();
  });
});

describe('resolveWorkspaceDir', () => {
  const base = { home: '/home/ada', cwd: '/projects/lathe' };

  it('prefers --workspace over LATHE_HOME, resolved against the working directory', () => {
    const dir = resolveWorkspaceDir({
      ...base,
      argv: ['electron', '.', '--workspace', 'ws'],
      env: { LATHE_HOME: '/elsewhere' },
    });
    expect(dir).toBe(join('/projects/lathe', 'ws'));
  });

  it('falls back to LATHE_HOME, then ~/.lathe', () => {
    expect(resolveWorkspaceDir({ ...base, argv: [], env: { LATHE_HOME: '/data/lathe' } })).toBe(
      '/data/lathe',
    );
    expect(resolveWorkspaceDir({ ...base, argv: [], env: { LATHE_HOME: '  ' } })).toBe(
      join('/home/ada', '.lathe'),
    );
    expect(resolveWorkspaceDir({ ...base, argv: [], env: {} })).toBe(join('/home/ada', '.lathe'));
  });
});

describe('appPaths', () => {
  it('finds the preload and renderer beside out/main', () => {
    const paths = appPaths('/app/out/main');
    expect(paths.preload).toBe('/app/out/preload/preload.cjs');
    expect(paths.rendererDir).toBe('/app/out/renderer');
    expect(paths.rendererIndex).toBe('/app/out/renderer/index.html');
    expect(paths.rendererIndexUrl).toBe('file:///app/out/renderer/index.html');
  });
});
