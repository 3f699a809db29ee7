/**
 * A recorded run's train config as a new run's starting point (Clone in the app, `lathe runs config`):
 * the same options, without the run's name (a new run gets its own) and the fold it trained (a fold's
 * clone is its whole cross-validation). `dataset` is the run's dataset as named now (the run's lineage,
 * which follows a rename); it replaces the name the config was written with, keeping its `@version`.
 */
export function cloneTrainConfig(config: unknown, dataset?: string): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const { name: _name, crossValidation, ...named } = config as Record<string, unknown>;
  void _name;
  const rest =
    dataset === undefined || typeof named.dataset !== 'string'
      ? named
      : { ...named, dataset: dataset + named.dataset.slice(named.dataset.split('@')[0]!.length) };
  if (crossValidation === null || typeof crossValidation !== 'object') return rest;
  const { fold: _fold, ...cv } = crossValidation as Record<string, unknown>;
  void _fold;
  return { ...rest, crossValidation: cv };
}
