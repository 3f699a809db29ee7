import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LatheError, TrainConfig, describeIssues } from '../../shared/contract';

/** Reads a train config from YAML or JSON and validates it; errors name the file, the field and the reason. */
export function loadTrainConfig(path: string): TrainConfig {
  const file = resolve(path);
  if (!existsSync(file))
    throw new LatheError('FILE_NOT_FOUND', `config file not found: ${file}`, { file });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LatheError(
      'INVALID_CONFIG',
      `${basename(file)}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
      { file },
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LatheError(
      'INVALID_CONFIG',
      `${basename(file)}: expected a mapping with dataset, target, task, …`,
      { file },
    );
  }
  const parsed = TrainConfig.safeParse(raw);
  if (!parsed.success) {
    throw new LatheError('INVALID_CONFIG', describeIssues(parsed.error, basename(file)), {
      file,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}
