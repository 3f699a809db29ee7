// Requests on one predictor in the same event-loop turn share one model call; each caller still gets
// exactly the answer it would get alone, and one bad request fails alone.
import { describe, expect, it, vi } from 'vitest';
import { coalesce } from '../../../main/serve/server';
import type { Prediction } from '../../../main/serve/types';
import { LinearPredictor } from './fake-predictor';

const rec = (x1: unknown) => ({ x1, x2: 1, color: 'red' });

describe('coalesce', () => {
  it('scores the calls of one turn in one batch and hands each caller its own predictions', async () => {
    const p = new LinearPredictor(1);
    const spy = vi.spyOn(p, 'predictRecords');
    const predict = coalesce(p);
    const answers = await Promise.all([
      predict([rec(1)]),
      predict([rec(2), rec(3)]),
      predict([rec(4)]),
    ]);
    expect(answers.map((a) => a.map((x) => x.prediction))).toEqual([[4], [5, 6], [7]]);
    // The batch of all four records, and the first call alone (the check against batching artefacts).
    expect(spy.mock.calls.map((c) => c[0].length)).toEqual([4, 1]);
    await predict([rec(5)]); // a later turn with a single call: no batch
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('retries a failed batch call by call, so only the bad request fails', async () => {
    const p = new LinearPredictor(1);
    const inner = p.predictRecords.bind(p);
    // Throws (not rejects) on a bad record: a sloppy predictor must not take the server down.
    p.predictRecords = (records) => {
      if (records.some((r) => r.x1 === 'boom')) throw new Error('boom');
      return inner(records);
    };
    const predict = coalesce(p);
    const [a, b, c] = await Promise.allSettled([
      predict([rec(1)]),
      predict([rec('boom')]),
      predict([rec(3)]),
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: [{ prediction: 4 }] });
    expect(b).toMatchObject({ status: 'rejected', reason: new Error('boom') });
    expect(c).toEqual({ status: 'fulfilled', value: [{ prediction: 6 }] });
  });

  it('stops batching a predictor whose batch answers differ from its lone answers', async () => {
    const p = new LinearPredictor(1);
    const inner = p.predictRecords.bind(p);
    // A model whose output depends on the batch it runs in.
    p.predictRecords = async (records): Promise<Prediction[]> =>
      (await inner(records)).map((x) => ({
        prediction: Number(x.prediction) + records.length - 1,
      }));
    const spy = vi.spyOn(p, 'predictRecords');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const predict = coalesce(p);
    const first = await Promise.all([predict([rec(1)]), predict([rec(2)]), predict([rec(3)])]);
    expect(first).toEqual([[{ prediction: 4 }], [{ prediction: 5 }], [{ prediction: 6 }]]);
    expect(errors).toHaveBeenCalledWith(
      expect.stringMatching(/m@1 answers differently in a batch/),
    );
    spy.mockClear();
    const later = await Promise.all([predict([rec(1)]), predict([rec(2)])]);
    expect(later).toEqual([[{ prediction: 4 }], [{ prediction: 5 }]]);
    expect(spy.mock.calls.map((c) => c[0].length)).toEqual([1, 1]);
    errors.mockRestore();
  });
});
