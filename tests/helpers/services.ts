import { readdirSync } from 'node:fs';
import {
  channels,
  TrainConfig,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type EventFrame,
  type PipelineRun,
} from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { vega } from './workspace';

/**
 * Calls channels through the validating dispatcher, exactly as IPC and HTTP do, and parses every
 * output against the contract. `services` is read on each call, so tests may assign it in beforeAll.
 */
export function contractClient(get: () => Services) {
  const call = async <C extends ChannelName>(
    channel: C,
    input: ChannelInput<C>,
  ): Promise<ChannelOutput<C>> => {
    const r = await get().dispatch(channel, input);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return channels[channel].output.parse(r.result) as ChannelOutput<C>;
  };
  /** The error of a call expected to fail. */
  const failure = async (
    channel: ChannelName,
    input: unknown,
  ): Promise<{ code: string; message: string }> => {
    const r = await get().dispatch(channel, input);
    if (r.ok) throw new Error(`${channel} unexpectedly succeeded`);
    return r.error;
  };
  /** Everything a user could see change in the workspace: datasets, versions and stored files. */
  const snapshot = async () => ({
    list: JSON.stringify(await call('data:list', {})),
    files: readdirSync(get().workspace.paths.datasets).sort(),
    tmp: readdirSync(get().workspace.paths.tmp),
  });
  return { call, failure, snapshot };
}

/** Opens the services over `workspaceDir`, runs `fn` and closes them, also when `fn` throws. */
export async function withServices<T>(
  workspaceDir: string,
  fn: (services: Services) => Promise<T>,
): Promise<T> {
  const services = await createServices({ workspaceDir });
  try {
    return await fn(services);
  } finally {
    await services.close();
  }
}

/** Imports vega's penguins.json as the dataset `penguins` of `project` (Default). */
export function importPenguins(services: Services, project = 'Default') {
  return services.data.importFile({ path: vega('penguins.json'), name: 'penguins', project });
}

/** Trains a run to the end through the validating dispatcher, as the UI would. */
export function trainRun(services: Services, config: ChannelInput<'train:run'>['config']) {
  return contractClient(() => services).call('train:run', { config });
}

export type TrainConfigInput = ChannelInput<'train:run'>['config'];

/** A small run on `base` with a linear model; a test overrides what it is about. */
const smallRun =
  (base: Pick<TrainConfigInput, 'dataset' | 'target' | 'task'>) =>
  (overrides: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
    ...base,
    model: { type: 'linear' },
    training: { epochs: 3, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
    seed: 1,
    ...overrides,
  });

/** A small multiclass run on penguins (see importPenguins); a test overrides what it is about. */
export const penguinsConfig = smallRun({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass',
});

/** A small regression run on vega's cars (imported as `cars`); a test overrides what it needs. */
export const carsConfig = smallRun({
  dataset: 'cars',
  target: 'Miles_per_Gallon',
  task: 'regression',
});

type NewRun = Parameters<Services['tracking']['createRun']>[0];
/** What a recorded run names itself; the rest comes from the recorder. */
type RecordedRun = Pick<NewRun, 'experiment'> & Partial<NewRun>;

/**
 * Imports penguins into `project` and returns a function that records runs over it as a tracking
 * client does, without training (the caller logs their metrics). `label` is the config hash and Lathe
 * version they record.
 */
export async function runRecorder(
  services: Services,
  options: { project?: string; model?: TrainConfigInput['model']; label?: string } = {},
): Promise<(run: RecordedRun) => Promise<string>> {
  const { project = 'Default', model = { type: 'mlp', hidden: [4] }, label = 'test' } = options;
  const { version } = await importPenguins(services, project);
  const config = TrainConfig.parse({
    dataset: 'penguins',
    target: 'Species',
    task: 'multiclass',
    model,
  });
  return (run) =>
    services.tracking.createRun({
      project,
      config,
      configHash: label,
      datasetVersionId: version.id,
      latheVersion: label,
      system: {},
      ...run,
    });
}

/**
 * Runs the pipeline file `file` and cancels it (pipeline:cancel) at the first event `stopAt` picks once
 * the run's id is known (it comes with the run's first pipeline:status); returns the ended run and the
 * cancel's answer (undefined when no event was picked).
 */
export async function runPipelineCancelledAt(
  services: Services,
  file: string,
  stopAt: (frame: EventFrame) => boolean,
): Promise<{ run: PipelineRun; cancel: unknown }> {
  const { call } = contractClient(() => services);
  let pipelineRun: string | null = null;
  let cancel: Promise<unknown> | undefined;
  const off = services.bus.subscribe((f) => {
    if (f.event === 'pipeline:status') pipelineRun ??= (f.payload as PipelineRun).id;
    if (pipelineRun && !cancel && stopAt(f)) cancel = call('pipeline:cancel', { id: pipelineRun });
  });
  try {
    const run = await call('pipeline:run', { file });
    return { run, cancel: await cancel };
  } finally {
    off();
  }
}
