import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { sigmoidCrossEntropy } from '../../../../main/train/model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logits = tf.tensor2d([[-30], [-2.5], [-0.1], [0.4], [3], [25]]);
const labels = tf.tensor2d([[0], [1], [0], [1], [1], [0]]);
const weights = tf.tensor2d([[0.5], [2], [0], [1], [3], [1.5]]);

/** The loss and its gradient with respect to the logits. */
function lossAndGrad(f: (z: tf.Tensor) => tf.Scalar): [number, number[]] {
  const { value, grad } = tf.valueAndGrad(f)(logits);
  return [value.dataSync()[0]!, Array.from(grad.dataSync())];
}

describe('sigmoidCrossEntropy', () => {
  it('gives tfjs sigmoid cross-entropy and its gradient, unweighted and weighted', () => {
    for (const w of [undefined, weights]) {
      const [ours, ourGrad] = lossAndGrad((z) => sigmoidCrossEntropy(labels, z, w));
      const [tfjs, tfGrad] = lossAndGrad((z) => tf.losses.sigmoidCrossEntropy(labels, z, w));
      expect(ours).toBe(tfjs);
      ourGrad.forEach((g, i) => expect(g).toBeCloseTo(tfGrad[i]!, 6));
    }
  });
});
