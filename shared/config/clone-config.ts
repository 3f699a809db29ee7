/**
 * A recorded run's train config as a new run's starting point (Clone in the app, `lathe runs config`):
 * the same options, without the run's name (a new run gets its own) and the fold it trained (a fold's
 * clone is its whole cross-validation).
 */
export function cloneTrainConfig(config: unknown): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const { name: _name, crossValidation, ...rest } = config as Record<string, unknown>;
  void _name;
  if (crossValidation === null || typeof crossValidation !== 'object') return rest;
  const { fold: _fold, ...cv } = crossValidation as Record<string, unknown>;
  void _fold;
  return { ...rest, crossValidation: cv };
}
