// The handlers of MLflow's tracking channels (shared/contract/mlflow.ts): each validates as
// mlflow/server/handlers.py and mlflow/utils/validation.py do, calls the store, and answers the response
// message. Errors are LatheErrors: NOT_FOUND (RESOURCE_DOES_NOT_EXIST), ALREADY_EXISTS
// (RESOURCE_ALREADY_EXISTS), INVALID_INPUT (INVALID_PARAMETER_VALUE), with MLflow's messages.
import { LatheError, type ChannelHandlers } from '../../shared/contract';
import { fromProtoDouble, type mlflowTrackingChannels } from '../../shared/contract/mlflow';
import type { Database } from '../workspace/db';
import { decodePageToken, encodePageToken, searchExperiments, searchRuns } from './search-filter';
import {
  DEFAULT_EXPERIMENT_ID,
  RUN_NAME_TAG,
  USER_TAG,
  type MetricPoint,
  type MlflowTrackingStore,
} from './tracking-store';
import {
  required,
  validateBatchLimits,
  validateBatchSize,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateMetric,
  validateParam,
  validateParamKeysUnique,
  validateRunId,
  validateTag,
} from './validation';

export type MlflowTrackingHandlers = ChannelHandlers<typeof mlflowTrackingChannels>;

const ADJECTIVES = ['amber', 'brisk', 'calm', 'deft', 'eager', 'fond', 'gentle', 'keen', 'lucid'];
const NOUNS = ['crane', 'otter', 'lynx', 'finch', 'heron', 'moth', 'wren', 'hare', 'newt', 'vole'];

/** A run name when none is given, shaped like MLflow's (`<adjective>-<noun>-<number>`). */
function generateRunName(): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
}

const invalid = (message: string, details?: Record<string, unknown>): never => {
  throw new LatheError('INVALID_INPUT', message, details);
};

export function createMlflowTrackingHandlers(deps: {
  db: Database;
  store: MlflowTrackingStore;
}): MlflowTrackingHandlers {
  const { db, store } = deps;

  /** Experiment "0" for every call; a read carries on without it when the workspace cannot write. */
  const ready = async (write: boolean) => {
    try {
      await store.ensureDefaultExperiment();
    } catch (err) {
      if (write) throw err;
    }
  };

  const experimentOf = async (id: string) => {
    const [experiment] = await store.readExperiments([id]);
    if (!experiment)
      throw new LatheError('NOT_FOUND', `No Experiment with id=${id} exists`, {
        experiment_id: id,
      });
    return experiment;
  };

  const activeExperiment = async (id: string | undefined) => {
    const experimentId = required(id, 'experiment_id');
    validateExperimentId(experimentId);
    const state = await store.experimentState(experimentId);
    if (state.deleted)
      invalid(
        `The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`,
        { experiment_id: experimentId },
      );
    return state;
  };

  const runIdOf = (input: { run_id?: string; run_uuid?: string }): string => {
    const id = required(input.run_id || input.run_uuid, 'run_id');
    validateRunId(id);
    return id;
  };

  /** A run that takes writes: it exists and is not deleted (MLflow's _check_run_is_active). */
  const activeRun = async (input: { run_id?: string; run_uuid?: string }) => {
    const state = await store.runState(runIdOf(input));
    if (state.deleted)
      invalid(`The run ${state.id} must be in the 'active' state. Current state is deleted.`, {
        run_id: state.id,
      });
    return state;
  };

  const runOf = async (id: string) => {
    const [run] = await store.readRuns([id]);
    if (!run) throw new LatheError('NOT_FOUND', `Run with id=${id} not found`, { run_id: id });
    return run;
  };

  /** Metrics as the store takes them, validated (value NaN/±Infinity allowed). */
  const points = (
    metrics: readonly {
      key?: string;
      value?: number | string;
      timestamp?: number;
      step?: number;
    }[],
  ): MetricPoint[] =>
    metrics.map((m, i) => {
      const key = required(m.key, `metrics[${i}].key`);
      const value = fromProtoDouble(required(m.value, `metrics[${i}].value`) as number | 'NaN');
      const timestamp = required(m.timestamp, `metrics[${i}].timestamp`);
      const step = m.step ?? 0;
      validateMetric(key, value, timestamp, step);
      return { key, value, timestamp, step };
    });

  return {
    async 'mlflow:experiments:get-by-name'({ experiment_name }) {
      await ready(false);
      const name = required(experiment_name, 'experiment_name');
      const id = await store.experimentIdByName(name);
      if (!id)
        throw new LatheError('NOT_FOUND', `Could not find experiment with name '${name}'`, {
          experiment_name: name,
        });
      return { experiment: await experimentOf(id) };
    },

    async 'mlflow:experiments:create'({ name, artifact_location, tags }) {
      await ready(true);
      const experimentName = validateExperimentName(name);
      if (artifact_location?.startsWith('runs:'))
        invalid(`Artifact location cannot be a runs:/ URI. Given: '${artifact_location}'`, {
          field: 'artifact_location',
        });
      for (const t of tags ?? []) validateExperimentTag(t.key, t.value);
      const experimentId = await store.createExperiment({
        name: experimentName,
        artifactLocation: artifact_location,
        tags: tags ?? [],
      });
      return { experiment_id: experimentId };
    },

    async 'mlflow:experiments:get'({ experiment_id }) {
      await ready(false);
      const id = required(experiment_id, 'experiment_id');
      validateExperimentId(id);
      return { experiment: await experimentOf(id) };
    },

    async 'mlflow:experiments:search'(input) {
      await ready(false);
      const page = await searchExperiments(db, {
        filter: input.filter,
        viewType: input.view_type,
        maxResults: input.max_results,
        orderBy: input.order_by,
        pageToken: input.page_token,
      });
      const experiments = await store.readExperiments(page.experimentIds);
      return page.nextPageToken
        ? { experiments, next_page_token: page.nextPageToken }
        : { experiments };
    },

    async 'mlflow:experiments:update'({ experiment_id, new_name }) {
      await ready(true);
      const id = required(experiment_id, 'experiment_id');
      validateExperimentId(id);
      const state = await store.experimentState(id);
      if (new_name === undefined) return {};
      const name = validateExperimentName(new_name);
      if (state.deleted) invalid('Cannot rename a non-active experiment.', { experiment_id: id });
      await store.renameExperiment(id, name);
      return {};
    },

    async 'mlflow:experiments:delete'({ experiment_id }) {
      await ready(true);
      const id = required(experiment_id, 'experiment_id');
      validateExperimentId(id);
      await store.experimentState(id);
      if (id === DEFAULT_EXPERIMENT_ID)
        invalid(
          `Cannot delete the default experiment '${DEFAULT_EXPERIMENT_ID}'. This is an internally reserved experiment.`,
          { experiment_id: id },
        );
      await store.setExperimentDeleted(id, true);
      return {};
    },

    async 'mlflow:experiments:restore'({ experiment_id }) {
      await ready(true);
      const id = required(experiment_id, 'experiment_id');
      validateExperimentId(id);
      const state = await store.experimentState(id);
      if (state.deleted) await store.setExperimentDeleted(id, false);
      return {};
    },

    async 'mlflow:experiments:set-experiment-tag'({ experiment_id, key, value }) {
      await ready(true);
      const tagKey = required(key, 'key');
      const tagValue = required(value ?? undefined, 'value');
      validateExperimentTag(tagKey, tagValue);
      const state = await activeExperiment(experiment_id);
      await store.setExperimentTag(state.id, tagKey, tagValue);
      return {};
    },

    async 'mlflow:experiments:delete-experiment-tag'({ experiment_id, key }) {
      await ready(true);
      const tagKey = required(key, 'key');
      const state = await activeExperiment(experiment_id);
      if (!(await store.deleteExperimentTag(state.id, tagKey)))
        throw new LatheError(
          'NOT_FOUND',
          `No tag with name: ${tagKey} in experiment with id ${state.id}`,
          { key: tagKey },
        );
      return {};
    },

    async 'mlflow:runs:create'(input) {
      await ready(true);
      const experiment = await activeExperiment(input.experiment_id ?? DEFAULT_EXPERIMENT_ID);
      const tags = new Map<string, string>();
      for (const t of input.tags ?? []) {
        validateTag(t.key, t.value);
        tags.set(t.key, t.value);
      }
      const tagName = tags.get(RUN_NAME_TAG);
      if (input.run_name && tagName !== undefined && tagName !== input.run_name)
        invalid(
          `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.run_name}', mlflow.runName='${tagName}').`,
        );
      const name = input.run_name || tagName || generateRunName();
      tags.set(RUN_NAME_TAG, name);
      const id = await store.createRun({
        experimentId: experiment.id,
        name,
        userId: input.user_id ?? tags.get(USER_TAG) ?? '',
        startTime: input.start_time ?? Date.now(),
        tags,
      });
      return { run: await runOf(id) };
    },

    async 'mlflow:runs:update'(input) {
      const run = await activeRun(input);
      await store.updateRun(run.id, {
        status: input.status,
        endTime: input.end_time,
        name: input.run_name || undefined,
      });
      return { run_info: (await runOf(run.id)).info };
    },

    async 'mlflow:runs:get'(input) {
      return { run: await runOf(runIdOf(input)) };
    },

    async 'mlflow:runs:search'(input) {
      await ready(false);
      const page = await searchRuns(db, {
        experimentIds: input.experiment_ids ?? [],
        filter: input.filter,
        runViewType: input.run_view_type,
        maxResults: input.max_results,
        orderBy: input.order_by,
        pageToken: input.page_token,
      });
      const runs = await store.readRuns(page.runIds);
      return page.nextPageToken ? { runs, next_page_token: page.nextPageToken } : { runs };
    },

    async 'mlflow:runs:delete'(input) {
      const run = await store.runState(runIdOf(input));
      await store.setRunDeleted(run.id, true);
      return {};
    },

    async 'mlflow:runs:restore'(input) {
      const run = await store.runState(runIdOf(input));
      await store.setRunDeleted(run.id, false);
      return {};
    },

    async 'mlflow:runs:log-batch'(input) {
      validateBatchSize(Buffer.byteLength(JSON.stringify(input)));
      const metrics = input.metrics ?? [];
      const params = (input.params ?? []).map((p, i) => ({
        key: required(p.key, `params[${i}].key`),
        value: p.value ?? '',
      }));
      const tags = (input.tags ?? []).map((t, i) => ({
        key: required(t.key, `tags[${i}].key`),
        value: t.value ?? '',
      }));
      validateBatchLimits(metrics.length, params.length, tags.length);
      const run = await activeRun({ run_id: input.run_id });
      const batch = points(metrics);
      for (const p of params) validateParam(p.key, p.value);
      for (const t of tags) validateTag(t.key, t.value);
      validateParamKeysUnique(params.map((p) => p.key));
      await store.logBatch(run.id, batch, params, tags);
      return {};
    },

    async 'mlflow:runs:log-metric'(input) {
      const run = await activeRun(input);
      await store.logBatch(run.id, points([input]), [], []);
      return {};
    },

    async 'mlflow:runs:log-parameter'(input) {
      const run = await activeRun(input);
      const key = required(input.key, 'key');
      const value = required(input.value ?? undefined, 'value');
      validateParam(key, value);
      await store.logBatch(run.id, [], [{ key, value }], []);
      return {};
    },

    async 'mlflow:runs:set-tag'(input) {
      const run = await activeRun(input);
      const key = required(input.key, 'key');
      const value = input.value ?? '';
      validateTag(key, value);
      await store.logBatch(run.id, [], [], [{ key, value }]);
      return {};
    },

    async 'mlflow:runs:delete-tag'(input) {
      const run = await activeRun(input);
      const key = required(input.key, 'key');
      if (!(await store.deleteTag(run.id, key)))
        throw new LatheError('NOT_FOUND', `No tag with name: ${key} in run with id ${run.id}`, {
          key,
        });
      return {};
    },

    async 'mlflow:runs:log-inputs'(input) {
      const run = await activeRun(input);
      await store.logInputs(run.id, input.datasets ?? []);
      return {};
    },

    async 'mlflow:metrics:get-history'(input) {
      const run = await store.runState(runIdOf(input));
      const key = required(input.metric_key, 'metric_key');
      const max = input.max_results;
      if (max !== undefined && max < 1)
        invalid(
          `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer`,
        );
      const offset = decodePageToken(input.page_token);
      const page = await store.metricHistory(run.id, key, offset, max);
      return page.more
        ? { metrics: page.metrics, next_page_token: encodePageToken(offset + max!) }
        : { metrics: page.metrics };
    },
  };
}
