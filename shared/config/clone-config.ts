/**
 * A recorded run's train config as a new run's starting point (Clone in the app, `lathe runs config`):
 * the same options, without the run's name (a new run gets its own) and the fold it trained (a fold's
 * clone is its whole cross-validation). `now` is the run's dataset and project as named now (read by join,
 * so they follow a rename); they replace the names the config was written with, keeping its `@version`.
 */
export function cloneTrainConfig(
  config: unknown,
  now?: { dataset: string; project: string },
): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const { name: _name, crossValidation, ...named } = config as Record<string, unknown>;
  void _name;
  const rest = { ...named };
  if (now && typeof rest.dataset === 'string')
    rest.dataset = now.dataset + rest.dataset.slice(rest.dataset.split('@')[0]!.length);
  if (now && rest.project !== undefined) rest.project = now.project;
  if (crossValidation === null || typeof crossValidation !== 'object') return rest;
  const { fold: _fold, ...cv } = crossValidation as Record<string, unknown>;
  void _fold;
  return { ...rest, crossValidation: cv };
}
