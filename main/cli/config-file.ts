import { dirname, resolve } from 'node:path';
import { ExpectationSuite, FeatureSpec, TrainConfig } from '../../shared/contract';
import { loadConfigFile } from '../api/workspace';

export { loadConfigFile };

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
