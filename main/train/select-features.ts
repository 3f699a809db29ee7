import { LatheError, type ColumnInfo, type TrainConfig } from '../../shared/contract';

/** The feature columns a config selects: its list, or every column but the target. */
export function selectFeatures(config: TrainConfig, columns: ColumnInfo[]): string[] {
  const names = new Set(columns.map((c) => c.name));
  if (!names.has(config.target)) {
    throw new LatheError(
      'COLUMN_NOT_FOUND',
      `target: column '${config.target}' is not in dataset '${config.dataset}' (columns: ${[...names].join(', ')})`,
      { field: 'target', column: config.target },
    );
  }
  const features = config.features ?? columns.map((c) => c.name).filter((n) => n !== config.target);
  const missing = features.filter((f) => !names.has(f));
  if (missing.length) {
    throw new LatheError(
      'COLUMN_NOT_FOUND',
      `features: ${missing.map((m) => `'${m}'`).join(', ')} not in dataset '${config.dataset}' (columns: ${[...names].join(', ')})`,
      { field: 'features', columns: missing },
    );
  }
  if (features.includes(config.target)) {
    throw new LatheError(
      'INVALID_CONFIG',
      `features: the target '${config.target}' cannot also be a feature`,
      {
        field: 'features',
      },
    );
  }
  return features;
}
