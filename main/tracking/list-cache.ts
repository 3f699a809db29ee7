// Runs lists kept between reads while the workspace database is unchanged. The Experiments view asks for
// its whole list (10,000 runs × 20 metrics: about 0.1 s of SQL in a quiet process, three or four times that
// beside a browser painting) each time it opens, and the app or `lathe ui` asks for it ahead, when it starts
// (see Services.warm). A list is answered again only while Database.writes is what it was when it was read:
// any statement that may write (a metric point, a rename, a tag, an import) makes it stale.

/** Lists kept at most: the whole list and its first page, of a view or two. */
export const LIST_CACHE_SIZE = 4;

export interface ListCache<T> {
  /**
   * The answer for `key` read when the database had had `writes` writes (taken just before `read` queues
   * its statements): the kept one, or the one still being read, when it was read at the same count;
   * otherwise `read()`'s, which is then kept. Answers are shared: callers must not change them.
   */
  get(key: string, writes: number, read: () => Promise<T>): Promise<T>;
  /**
   * The answer kept for `key` if it was read at `writes` writes and has arrived (a read still under way
   * or failed gives undefined); it counts as used, as `get` does.
   */
  arrived(key: string, writes: number): T | undefined;
}

interface Entry<T> {
  writes: number;
  answer: Promise<T>;
  /** Set once the answer has arrived. */
  arrived?: { value: T };
}

export function createListCache<T>(size = LIST_CACHE_SIZE): ListCache<T> {
  /** Least recently used first (a Map keeps insertion order). */
  const entries = new Map<string, Entry<T>>();
  return {
    get(key, writes, read) {
      const kept = entries.get(key);
      entries.delete(key);
      if (kept?.writes === writes) {
        entries.set(key, kept);
        return kept.answer;
      }
      const answer = read();
      const entry: Entry<T> = { writes, answer };
      entries.set(key, entry);
      answer.then(
        (value) => {
          entry.arrived = { value };
        },
        // A failed read is not kept.
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      for (const oldest of entries.keys()) {
        if (entries.size <= size) break;
        entries.delete(oldest);
      }
      return answer;
    },
    arrived(key, writes) {
      const kept = entries.get(key);
      if (kept?.writes !== writes || !kept.arrived) return undefined;
      entries.delete(key);
      entries.set(key, kept);
      return kept.arrived.value;
    },
  };
}
