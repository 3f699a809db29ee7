import { describe, expect, it } from 'vitest';
import { createListCache } from '../../../../main/tracking/list-cache';

describe('list cache', () => {
  it('answers a key again while the write count is the same, and reads again once it moved', async () => {
    const cache = createListCache<{ n: number }>();
    let reads = 0;
    const read = () => Promise.resolve({ n: ++reads });
    const first = await cache.get('a', 3, read);
    expect(await cache.get('a', 3, read)).toBe(first);
    expect(reads).toBe(1);
    expect(await cache.get('a', 4, read)).toEqual({ n: 2 });
    expect(await cache.get('b', 4, read)).toEqual({ n: 3 });
    expect(await cache.get('a', 4, read)).toEqual({ n: 2 });
    expect(reads).toBe(3);
  });

  it('shares a read still running, forgets a failed one, and keeps the most recently used', async () => {
    const cache = createListCache<string>(2);
    let release!: (v: string) => void;
    let reads = 0;
    const slow = () => {
      reads++;
      return new Promise<string>((r) => (release = r));
    };
    const one = cache.get('a', 0, slow);
    const two = cache.get('a', 0, slow);
    release('list');
    expect(await one).toBe('list');
    expect(await two).toBe('list');
    expect(reads).toBe(1);

    await expect(cache.get('bad', 0, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await cache.get('bad', 0, () => Promise.resolve('mended'))).toBe('mended');

    // Size 2: 'a' used after 'bad', so 'bad' goes when 'c' comes.
    await cache.get('a', 0, slow);
    await cache.get('c', 0, () => Promise.resolve('c'));
    const again = (v: string) => () => Promise.resolve(v);
    expect(await cache.get('a', 0, again('read'))).toBe('list');
    expect(await cache.get('bad', 0, again('read'))).toBe('read');
  });

  it('gives an answer that has arrived at the same write count, and nothing for one under way or failed', async () => {
    const cache = createListCache<string>(2);
    let release!: (v: string) => void;
    const pending = cache.get('a', 1, () => new Promise<string>((r) => (release = r)));
    expect(cache.arrived('a', 1)).toBeUndefined();
    release('list');
    await pending;
    expect(cache.arrived('a', 1)).toBe('list');
    expect(cache.arrived('a', 2)).toBeUndefined();
    expect(cache.arrived('other', 1)).toBeUndefined();
    await expect(cache.get('bad', 1, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(cache.arrived('bad', 1)).toBeUndefined();

    // Asked for, 'a' is the most recently used: 'b' goes when 'c' comes.
    await cache.get('b', 1, () => Promise.resolve('b'));
    expect(cache.arrived('a', 1)).toBe('list');
    await cache.get('c', 1, () => Promise.resolve('c'));
    expect(cache.arrived('a', 1)).toBe('list');
    expect(cache.arrived('b', 1)).toBeUndefined();
  });
});
