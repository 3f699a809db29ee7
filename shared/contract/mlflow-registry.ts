import { z } from 'zod';
import { MlflowInt64, repeated, type MlflowEndpoint } from './mlflow';

// MLflow's model registry REST API as Lathe answers it (issue 15), over Lathe's own registry: the messages
// follow mlflow/protos/model_registry.proto, with the protos' JSON names (snake_case). Requests accept what
// proto JSON allows (an int64 as a number or a string, a repeated field as one string from a query string);
// responses are in the form MLflow's server writes (int64 as JSON numbers, version numbers as strings).

/** A model version's `version` on the wire: a string in the protos; a number is taken too. */
const VersionText = z.union([z.string(), z.number()]).transform((v) => String(v).trim());

/** A proto bool: true/false, or the words from a query string or a loose client. */
const ProtoBool = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])])
  .transform((v) => v === true || v === 'true' || v === 'True');

/** RegisteredModelTag / ModelVersionTag: a key and a string value. */
export const MlflowRegistryTag = z.object({ key: z.string(), value: z.string() });
export type MlflowRegistryTag = z.output<typeof MlflowRegistryTag>;

/** RegisteredModelAlias: an alias and the version (a string) it points to. */
export const MlflowRegisteredModelAlias = z.object({ alias: z.string(), version: VersionText });

/** ModelVersionStatus: Lathe's versions are READY as soon as they are registered. */
export const MlflowModelVersionStatus = z.enum([
  'PENDING_REGISTRATION',
  'FAILED_REGISTRATION',
  'READY',
]);

/** MLflow's stages, as the registry answers them (a request may use any case). */
export const MlflowStage = z.enum(['None', 'Staging', 'Production', 'Archived']);
export type MlflowStage = z.infer<typeof MlflowStage>;

/** ModelVersion. */
export const MlflowModelVersion = z.object({
  name: z.string(),
  version: VersionText,
  /** Unix time in milliseconds. */
  creation_timestamp: MlflowInt64,
  last_updated_timestamp: MlflowInt64.optional(),
  user_id: z.string().optional(),
  current_stage: z.string(),
  description: z.string().optional(),
  source: z.string(),
  run_id: z.string().optional(),
  status: MlflowModelVersionStatus,
  status_message: z.string().optional(),
  tags: z.array(MlflowRegistryTag).default([]),
  run_link: z.string().optional(),
  aliases: z.array(z.string()).default([]),
});
export type MlflowModelVersion = z.output<typeof MlflowModelVersion>;

/** RegisteredModel; latest_versions holds the latest version of each stage. */
export const MlflowRegisteredModel = z.object({
  name: z.string(),
  creation_timestamp: MlflowInt64,
  last_updated_timestamp: MlflowInt64.optional(),
  user_id: z.string().optional(),
  description: z.string().optional(),
  latest_versions: z.array(MlflowModelVersion).default([]),
  tags: z.array(MlflowRegistryTag).default([]),
  aliases: z.array(MlflowRegisteredModelAlias).default([]),
});
export type MlflowRegisteredModel = z.output<typeof MlflowRegisteredModel>;

// -- requests and responses --

const Name = z.string();
const NameIn = z.object({ name: Name });
const NameVersionIn = z.object({ name: Name, version: VersionText });
const RegisteredModelOut = z.object({ registered_model: MlflowRegisteredModel });
const ModelVersionOut = z.object({ model_version: MlflowModelVersion });
const EmptyOut = z.object({});

export const MlflowCreateRegisteredModelIn = z.object({
  name: Name,
  tags: z.array(MlflowRegistryTag).optional(),
  description: z.string().optional(),
});
export const MlflowRenameRegisteredModelIn = z.object({
  name: Name,
  new_name: z.string().optional(),
});
export const MlflowUpdateRegisteredModelIn = z.object({
  name: Name,
  description: z.string().optional(),
});
export const MlflowSearchIn = z.object({
  filter: z.string().optional(),
  max_results: MlflowInt64.optional(),
  order_by: repeated(z.string()).optional(),
  page_token: z.string().optional(),
});
export type MlflowSearchIn = z.output<typeof MlflowSearchIn>;
export const MlflowSearchRegisteredModelsOut = z.object({
  registered_models: z.array(MlflowRegisteredModel).default([]),
  next_page_token: z.string().optional(),
});
export const MlflowGetLatestVersionsIn = z.object({
  name: Name,
  stages: repeated(z.string()).optional(),
});
export const MlflowModelVersionsOut = z.object({
  model_versions: z.array(MlflowModelVersion).default([]),
});
export const MlflowSearchModelVersionsOut = z.object({
  model_versions: z.array(MlflowModelVersion).default([]),
  next_page_token: z.string().optional(),
});
export const MlflowCreateModelVersionIn = z.object({
  name: Name,
  source: z.string(),
  run_id: z.string().optional(),
  tags: z.array(MlflowRegistryTag).optional(),
  run_link: z.string().optional(),
  description: z.string().optional(),
});
export type MlflowCreateModelVersionIn = z.output<typeof MlflowCreateModelVersionIn>;
export const MlflowUpdateModelVersionIn = NameVersionIn.extend({
  description: z.string().optional(),
});
export const MlflowTransitionStageIn = NameVersionIn.extend({
  stage: z.string(),
  archive_existing_versions: ProtoBool.optional(),
});
export const MlflowDownloadUriOut = z.object({ artifact_uri: z.string() });
export const MlflowSetRegisteredModelTagIn = z.object({
  name: Name,
  key: z.string(),
  value: z.string(),
});
export const MlflowDeleteRegisteredModelTagIn = z.object({ name: Name, key: z.string() });
export const MlflowSetModelVersionTagIn = NameVersionIn.extend({
  key: z.string(),
  value: z.string(),
});
export const MlflowDeleteModelVersionTagIn = NameVersionIn.extend({ key: z.string() });
export const MlflowSetAliasIn = z.object({ name: Name, alias: z.string(), version: VersionText });
export const MlflowAliasIn = z.object({ name: Name, alias: z.string() });

/**
 * The registry channels (model_registry.proto's ModelRegistryService). A model or version made here is a
 * Lathe registry entry: the Models view, aliases, stages, gates and the audit log see it.
 */
export const mlflowRegistryChannels = {
  /** CreateRegisteredModel (in the Default project); RESOURCE_ALREADY_EXISTS when the name is taken. */
  'mlflow:registered-models:create': {
    input: MlflowCreateRegisteredModelIn,
    output: RegisteredModelOut,
  },
  /** GetRegisteredModel. */
  'mlflow:registered-models:get': { input: NameIn, output: RegisteredModelOut },
  /** RenameRegisteredModel: its versions, aliases and audit log follow it. */
  'mlflow:registered-models:rename': {
    input: MlflowRenameRegisteredModelIn,
    output: RegisteredModelOut,
  },
  /** UpdateRegisteredModel: the description. */
  'mlflow:registered-models:update': {
    input: MlflowUpdateRegisteredModelIn,
    output: RegisteredModelOut,
  },
  /** DeleteRegisteredModel with its versions; the audit log keeps what was deleted. */
  'mlflow:registered-models:delete': { input: NameIn, output: EmptyOut },
  /** SearchRegisteredModels (filter, order_by, max_results, page_token). */
  'mlflow:registered-models:search': {
    input: MlflowSearchIn,
    output: MlflowSearchRegisteredModelsOut,
  },
  /** GetLatestVersions: the latest version of each asked stage (every stage when none is asked). */
  'mlflow:registered-models:get-latest-versions': {
    input: MlflowGetLatestVersionsIn,
    output: MlflowModelVersionsOut,
  },
  /** SetRegisteredModelTag. */
  'mlflow:registered-models:set-tag': { input: MlflowSetRegisteredModelTagIn, output: EmptyOut },
  /** DeleteRegisteredModelTag (no such tag: nothing to do). */
  'mlflow:registered-models:delete-tag': {
    input: MlflowDeleteRegisteredModelTagIn,
    output: EmptyOut,
  },
  /** SetRegisteredModelAlias; moving `champion` is a gated promotion. */
  'mlflow:registered-models:set-alias': { input: MlflowSetAliasIn, output: EmptyOut },
  /** DeleteRegisteredModelAlias. */
  'mlflow:registered-models:delete-alias': { input: MlflowAliasIn, output: EmptyOut },
  /** GetModelVersionByAlias. */
  'mlflow:registered-models:get-by-alias': { input: MlflowAliasIn, output: ModelVersionOut },
  /**
   * CreateModelVersion: a Lathe run's model is an ordinary servable version; any other source is kept
   * verbatim and listed, but cannot be served (it has no ONNX model).
   */
  'mlflow:model-versions:create': { input: MlflowCreateModelVersionIn, output: ModelVersionOut },
  /** GetModelVersion. */
  'mlflow:model-versions:get': { input: NameVersionIn, output: ModelVersionOut },
  /** UpdateModelVersion: the description. */
  'mlflow:model-versions:update': { input: MlflowUpdateModelVersionIn, output: ModelVersionOut },
  /** DeleteModelVersion with its aliases and tags; its number is never reused. */
  'mlflow:model-versions:delete': { input: NameVersionIn, output: EmptyOut },
  /** SearchModelVersions (filter, order_by, max_results, page_token). */
  'mlflow:model-versions:search': { input: MlflowSearchIn, output: MlflowSearchModelVersionsOut },
  /** TransitionModelVersionStage; Production is a gated promotion, as in Lathe. */
  'mlflow:model-versions:transition-stage': {
    input: MlflowTransitionStageIn,
    output: ModelVersionOut,
  },
  /** GetModelVersionDownloadUri: where the version's model files are. */
  'mlflow:model-versions:get-download-uri': { input: NameVersionIn, output: MlflowDownloadUriOut },
  /** SetModelVersionTag. */
  'mlflow:model-versions:set-tag': { input: MlflowSetModelVersionTagIn, output: EmptyOut },
  /** DeleteModelVersionTag (no such tag: nothing to do). */
  'mlflow:model-versions:delete-tag': { input: MlflowDeleteModelVersionTagIn, output: EmptyOut },
};

/** The registry endpoints (after /api/2.0/mlflow/) and the channel behind each, for the host's routing. */
export const MLFLOW_REGISTRY_ENDPOINTS: readonly MlflowEndpoint[] = [
  { method: 'POST', path: 'registered-models/create', channel: 'mlflow:registered-models:create' },
  { method: 'GET', path: 'registered-models/get', channel: 'mlflow:registered-models:get' },
  { method: 'POST', path: 'registered-models/rename', channel: 'mlflow:registered-models:rename' },
  { method: 'PATCH', path: 'registered-models/update', channel: 'mlflow:registered-models:update' },
  {
    method: 'DELETE',
    path: 'registered-models/delete',
    channel: 'mlflow:registered-models:delete',
  },
  { method: 'GET', path: 'registered-models/search', channel: 'mlflow:registered-models:search' },
  {
    method: 'POST',
    path: 'registered-models/get-latest-versions',
    channel: 'mlflow:registered-models:get-latest-versions',
  },
  {
    method: 'GET',
    path: 'registered-models/get-latest-versions',
    channel: 'mlflow:registered-models:get-latest-versions',
  },
  {
    method: 'POST',
    path: 'registered-models/set-tag',
    channel: 'mlflow:registered-models:set-tag',
  },
  {
    method: 'DELETE',
    path: 'registered-models/delete-tag',
    channel: 'mlflow:registered-models:delete-tag',
  },
  {
    method: 'POST',
    path: 'registered-models/alias',
    channel: 'mlflow:registered-models:set-alias',
  },
  {
    method: 'DELETE',
    path: 'registered-models/alias',
    channel: 'mlflow:registered-models:delete-alias',
  },
  {
    method: 'GET',
    path: 'registered-models/alias',
    channel: 'mlflow:registered-models:get-by-alias',
  },
  { method: 'POST', path: 'model-versions/create', channel: 'mlflow:model-versions:create' },
  { method: 'GET', path: 'model-versions/get', channel: 'mlflow:model-versions:get' },
  { method: 'PATCH', path: 'model-versions/update', channel: 'mlflow:model-versions:update' },
  { method: 'DELETE', path: 'model-versions/delete', channel: 'mlflow:model-versions:delete' },
  { method: 'GET', path: 'model-versions/search', channel: 'mlflow:model-versions:search' },
  {
    method: 'POST',
    path: 'model-versions/transition-stage',
    channel: 'mlflow:model-versions:transition-stage',
  },
  {
    method: 'GET',
    path: 'model-versions/get-download-uri',
    channel: 'mlflow:model-versions:get-download-uri',
  },
  { method: 'POST', path: 'model-versions/set-tag', channel: 'mlflow:model-versions:set-tag' },
  {
    method: 'DELETE',
    path: 'model-versions/delete-tag',
    channel: 'mlflow:model-versions:delete-tag',
  },
];
