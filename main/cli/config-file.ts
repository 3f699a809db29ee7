import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import {
  ExpectationSuite,
  FeatureSpec,
  LatheError,
  TrainConfig,
  describeIssues,
} from '../../shared/contract';

/**
 * Reads a YAML or JSON file a user wrote and validates it with its schema; errors name the file, the
 * field and the reason, and nothing is run.
 */
export function loadConfigFile<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
  prepare: (raw: Record<string, unknown>, file: string) => Record<string, unknown> = (raw) => raw,
): z.output<S> {
  const file = resolve(path);
  if (!existsSync(file))
    throw new LatheError('FILE_NOT_FOUND', `${what} file not found: ${file}`, { file });
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
    throw new LatheError('INVALID_CONFIG', `${basename(file)}: expected a mapping (a ${what})`, {
      file,
    });
  }
  const parsed = schema.safeParse(prepare(raw as Record<string, unknown>, file));
  if (!parsed.success) {
    throw new LatheError('INVALID_CONFIG', describeIssues(parsed.error, basename(file)), {
      file,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/**
 * A train config; `featureSpec: FILE` is read from that file, relative to the config. `adjust` may change
 * the raw mapping (command-line overrides) before it is validated, so its errors name the file too.
 */
export const loadTrainConfig = (
  path: string,
  adjust?: (raw: Record<string, unknown>) => void,
): TrainConfig =>
  loadConfigFile(path, TrainConfig, 'config', (raw, file) => {
    adjust?.(raw);
    return typeof raw.featureSpec === 'string'
      ? {
          ...raw,
          featureSpec: loadConfigFile(
            resolve(dirname(file), raw.featureSpec),
            FeatureSpec,
            'feature spec',
          ),
        }
      : raw;
  });
export const loadSuite = (path: string): ExpectationSuite =>
  loadConfigFile(path, ExpectationSuite, 'expectation suite');
