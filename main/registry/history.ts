// Registry history: the aliases and stages a model had at an instant, replayed from its audit log.
import {
  LatheError,
  type AuditEntry,
  type ModelStage,
  type RegistryState,
} from '../../shared/contract';

/** The end of a `YYYY-MM-DD` day (UTC), or the instant an ISO date-time names. */
function instantOf(at: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(at) ? Date.parse(`${at}T23:59:59.999Z`) : Date.parse(at);
}

/**
 * The aliases and stages a model's audit entries (oldest first) leave at `at`: the end of a `YYYY-MM-DD`
 * day (UTC) or an ISO date-time. INVALID_INPUT when `at` is not a date.
 */
export function replayHistory(entries: readonly AuditEntry[], at: string): RegistryState {
  const t = instantOf(at);
  if (Number.isNaN(t))
    throw new LatheError('INVALID_INPUT', `at: '${at}' is not a date`, { field: 'at' });
  const aliases = new Map<string, number>();
  const stages = new Map<number, ModelStage>();
  for (const e of entries) {
    if (Date.parse(e.at) > t) break;
    const d = e.details;
    if ((e.action === 'register' || e.action === 'import') && e.version !== null)
      stages.set(e.version, 'none');
    else if (e.action === 'alias') aliases.set(String(d.alias), Number(d.to));
    else if (e.action === 'unalias') aliases.delete(String(d.alias));
    else if (e.action === 'stage' && e.version !== null)
      stages.set(e.version, String(d.to) as ModelStage);
    else if (e.action === 'delete') {
      // A deleted version (or, with no version, the whole model) takes its aliases with it.
      for (const [alias, version] of aliases)
        if (e.version === null || version === e.version) aliases.delete(alias);
      if (e.version === null) stages.clear();
      else stages.delete(e.version);
    }
  }
  return {
    at: new Date(t).toISOString(),
    aliases: [...aliases]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([alias, version]) => ({ alias, version })),
    versions: [...stages].sort(([a], [b]) => a - b).map(([version, stage]) => ({ version, stage })),
  };
}
