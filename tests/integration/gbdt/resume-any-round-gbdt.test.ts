// A gbdt run resumed from the checkpoint of any round (the bytes the training worker hands over) trains to
// the uninterrupted run's model/gbdt.json, metrics and later rounds' reports: kill-resume-gbdt.test.ts
// without the kill, so which round is checkpointed is chosen, not left to timing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { checkpointState } from '../../../main/train/checkpoint-state';
import type { EpochReport } from '../../../main/train/fit';
import { train, type TrainJob, type TrainResult } from '../../../main/train/trainer';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { penguinsGbdt } from './penguins-gbdt';

const t = tempDir('lathe-gbdt-resume-any-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

const text = (r: TrainResult, path: string) =>
  new TextDecoder().decode(r.artifacts.find((a) => a.path === path)!.bytes);

/** Each round's report without its wall-clock time. */
const reports = (epochs: EpochReport[]) => epochs.map(({ elapsedMs: _, ...r }) => r);

describe('a gbdt run resumed from a checkpoint', () => {
  it('ends as the uninterrupted run, whichever round was checkpointed (row sampling, 2 threads)', async () => {
    const version = await services.data.resolve('penguins');
    // As kill-resume-gbdt.test.ts trains, with fewer rounds.
    const config = TrainConfig.parse(penguinsGbdt(300));
    const job: TrainJob = {
      runId: 'resume-any-round',
      config,
      parquetPath: version.storagePath,
      columns: version.columns,
      latheVersion: 'test',
    };
    const checkpoints = new Map<number, Uint8Array>();
    const epochs: EpochReport[] = [];
    const straight = await train(job, {
      onEpoch: (r) => epochs.push(r),
      onCheckpoint: (bytes, step) => checkpoints.set(step, bytes.slice()),
    });
    expect([...checkpoints.keys()]).toEqual(Array.from({ length: 29 }, (_, i) => 10 * (i + 1)));

    for (const round of [10, 150, 160, 290]) {
      const bytes = checkpoints.get(round)!;
      expect(checkpointState(bytes).epoch).toBe(round);
      const later: EpochReport[] = [];
      const resumed = await train({ ...job, resume: bytes }, { onEpoch: (r) => later.push(r) });
      expect(text(resumed, 'model/gbdt.json'), `resumed from round ${round}`).toBe(
        text(straight, 'model/gbdt.json'),
      );
      expect(text(resumed, 'model/importance.json')).toBe(text(straight, 'model/importance.json'));
      expect(resumed.metrics).toEqual(straight.metrics);
      expect(reports(later)).toEqual(reports(epochs.slice(round)));
    }
  }, 120_000);
});
