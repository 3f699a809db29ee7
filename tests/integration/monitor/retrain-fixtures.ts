// What the retraining tests share: a champion to retrain.
import { expect } from 'vitest';
import { Run } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { penguinsConfig, type contractClient } from '../../helpers/services';
import { vega, type tempDir } from '../../helpers/workspace';

type ContractCall = ReturnType<typeof contractClient>['call'];

/** A model whose v1 (an MLP on penguins, a quarter of the rows held out as test) is the champion. */
export async function championOf(call: ContractCall, name: string, dataset = 'penguins@1') {
  await trainRegistered(
    call,
    penguinsConfig({
      dataset,
      model: { type: 'mlp', hidden: [16] },
      training: { epochs: 25, batchSize: 16, learningRate: 0.02, validationFraction: 0.2 },
      split: { testFraction: 0.25 },
      seed: 3,
    }),
    name,
  );
  await call('models:alias', { ref: `${name}@1`, alias: 'champion' });
}

/**
 * championOf through the CLI, in the workspace `W`: penguins imported, its MLP trained from a config file
 * written in `t` and registered as `m@1`, the champion. Returns `json`, which runs a command there with
 * --json.
 */
export function cliChampionOf(t: ReturnType<typeof tempDir>, W: string) {
  const json = (...args: string[]) => lathe([...args, '--workspace', W, '--json']);
  expect(json('data', 'import', vega('penguins.json'), '--name', 'penguins').code).toBe(0);
  const config = t.file(
    'cli-train.yaml',
    'dataset: penguins\ntarget: Species\ntask: multiclass\nmodel: {type: mlp, hidden: [16]}\n' +
      'training: {epochs: 25, batchSize: 16, learningRate: 0.02}\nsplit: {testFraction: 0.25}\nseed: 3\n',
  );
  const trained = json('train', '--config', config);
  expect(trained.code, trained.stderr).toBe(0);
  expect(json('models', 'register', Run.parse(trained.json).id, '--name', 'm').code).toBe(0);
  expect(json('models', 'alias', 'm@1', 'champion').code).toBe(0);
  return json;
}
