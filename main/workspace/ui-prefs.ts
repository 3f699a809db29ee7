import { LatheError, UI_PREF_MAX_CHARS } from '../../shared/contract';
import type { Database } from './db';
import { iso } from './projects';

/** Renderer preferences (layouts, toggles) kept in the workspace's `ui_prefs` table, one JSON value per key. */
export interface UiPrefsStore {
  /** The value stored under `key`, or null when there is none. */
  get(key: string): Promise<unknown>;
  /** Stores `value` under `key` (null removes it); throws INVALID_INPUT when it is not JSON or too big. */
  set(key: string, value: unknown): Promise<{ key: string; updatedAt: string }>;
}

export function createUiPrefsStore(db: Database): UiPrefsStore {
  return {
    async get(key) {
      const row = await db.one<{ value: unknown }>('SELECT value FROM ui_prefs WHERE key = ?', [
        key,
      ]);
      if (!row || row.value === null || row.value === undefined) return null;
      if (typeof row.value !== 'string') return row.value;
      try {
        return JSON.parse(row.value) as unknown;
      } catch {
        // A value written by something else that is not JSON reads as unset rather than failing the view.
        console.error(`[UiPrefs] ignoring a stored value of '${key}' that is not JSON`);
        return null;
      }
    },

    async set(key, value) {
      const now = new Date();
      if (value === null) {
        await db.run('DELETE FROM ui_prefs WHERE key = ?', [key]);
        return { key, updatedAt: now.toISOString() };
      }
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (err) {
        throw new LatheError(
          'INVALID_INPUT',
          `value: the preference '${key}' is not JSON (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      if (json === undefined)
        throw new LatheError('INVALID_INPUT', `value: the preference '${key}' is not JSON`);
      if (json.length > UI_PREF_MAX_CHARS)
        throw new LatheError(
          'INVALID_INPUT',
          `value: the preference '${key}' is ${json.length} characters as JSON; at most ${UI_PREF_MAX_CHARS} are kept`,
        );
      const row = await db.one<{ updated_at: unknown }>(
        `INSERT OR REPLACE INTO ui_prefs (key, value, updated_at) VALUES (?, ?::JSON, ?::TIMESTAMP)
         RETURNING updated_at`,
        [key, json, now.toISOString().replace('Z', '')],
      );
      return { key, updatedAt: row ? iso(row.updated_at) : now.toISOString() };
    },
  };
}
