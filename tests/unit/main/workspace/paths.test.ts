import { posix, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, toStoredPath } from '../../../../main/workspace/paths';

describe('isInside', () => {
  it.each([
    ['/ws/uploads', '/ws/uploads/a.csv', true],
    ['/ws/uploads', '/ws/uploads/sub/a.csv', true],
    ['/ws/uploads', '/ws/uploads', false],
    ['/ws/uploads', '/ws/uploads/', false],
    ['/ws/uploads', '/ws/uploads2/a.csv', false],
    ['/ws/uploads', '/ws/a.csv', false],
    ['/ws/uploads', '/ws/uploads/../a.csv', false],
    ['/ws/uploads', '/elsewhere/a.csv', false],
  ])('posix: %s contains %s: %s', (dir, file, inside) => {
    expect(isInside(dir, file, posix)).toBe(inside);
  });

  it.each([
    ['C:\\ws\\uploads', 'C:\\ws\\uploads\\a.csv', true],
    ['C:\\ws\\uploads', 'C:\\ws\\uploads', false],
    ['C:\\ws\\uploads', 'C:\\ws\\uploads2\\a.csv', false],
    ['C:\\ws\\uploads', 'C:\\ws\\a.csv', false],
    // relative() across drives is absolute ('D:\\a.csv'), never '..': the case startsWith('..') missed.
    ['C:\\ws\\uploads', 'D:\\a.csv', false],
    ['C:\\ws\\uploads', 'D:\\ws\\uploads\\a.csv', false],
  ])('win32: %s contains %s: %s', (dir, file, inside) => {
    expect(isInside(dir, file, win32)).toBe(inside);
  });
});

describe('toStoredPath', () => {
  it('stores a path inside the workspace relative with /, and keeps the folder itself and outside paths', () => {
    expect(toStoredPath('/ws', '/ws/datasets/a.parquet')).toBe('datasets/a.parquet');
    expect(toStoredPath('/ws', '/ws')).toBe('/ws');
    expect(toStoredPath('/ws', '/other/a.parquet')).toBe('/other/a.parquet');
  });
});
