// What the retraining tests share: a champion to retrain.
import { trainRegistered } from '../../helpers/runs';
import { penguinsConfig, type contractClient } from '../../helpers/services';

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
