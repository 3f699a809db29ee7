// Pushing runs and model versions to a team MLflow server (`lathe mlflow push`, the push buttons), and the
// MLflow credentials the desktop app keeps.
import { z } from 'zod';

/** Credentials for an MLflow server: a bearer token, or a user name and password (basic auth). */
export const MlflowPushAuth = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('token'),
      token: z.string().min(1, 'the token is empty'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('basic'),
      username: z.string().min(1, 'the user name is empty'),
      password: z.string(),
    })
    .strict(),
]);
export type MlflowPushAuth = z.infer<typeof MlflowPushAuth>;

/** A tracking server's URL as people type it: http(s)://host[:port][/prefix]. Checked by the service. */
const TrackingUrl = z
  .string()
  .trim()
  .min(1, 'give the MLflow tracking URL (e.g. http://mlflow:5000)')
  .max(2000);

export const MlflowPushIn = z.object({
  /**
   * What to push: a run (id or unique prefix), or a model version `NAME@VERSION` / `NAME@alias` (its run,
   * then its ONNX package as an MLflow model, registered with its aliases).
   */
  source: z.string().trim().min(1, 'name a run id or NAME@VERSION'),
  /** The remote tracking URL. */
  to: TrackingUrl,
  /**
   * Credentials for this push only (the CLI passes MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD; the
   * browser UI what the dialog was given). Absent: the ones the desktop app keeps for `to`, else none.
   */
  auth: MlflowPushAuth.optional(),
});
export type MlflowPushIn = z.input<typeof MlflowPushIn>;

/** What happened to one remote object: made by this push, or found as an earlier push left it. */
export const MlflowPushStatus = z.enum(['created', 'exists', 'updated']);
export type MlflowPushStatus = z.infer<typeof MlflowPushStatus>;

export const MlflowPushOut = z.object({
  /** The tracking URL, normalised. */
  to: z.string(),
  source: z.string(),
  experiment: z.object({ id: z.string(), name: z.string(), status: MlflowPushStatus }),
  run: z.object({
    /** The Lathe run. */
    latheRunId: z.string(),
    /** The remote run. */
    id: z.string(),
    status: MlflowPushStatus,
    /** Where people open it (MLflow's UI). */
    url: z.string(),
  }),
  /** What this push sent; all zero on a push that found everything there. */
  sent: z.object({
    params: z.number().int().nonnegative(),
    tags: z.number().int().nonnegative(),
    metricPoints: z.number().int().nonnegative(),
    artifacts: z.number().int().nonnegative(),
    artifactBytes: z.number().int().nonnegative(),
  }),
  /** What was already there. */
  found: z.object({
    params: z.number().int().nonnegative(),
    tags: z.number().int().nonnegative(),
    metricPoints: z.number().int().nonnegative(),
    artifacts: z.number().int().nonnegative(),
  }),
  /** The model version, when `source` named one. */
  model: z
    .object({
      name: z.string(),
      /** The Lathe version `NAME@N`. */
      latheVersion: z.string(),
      /** The remote registered model. */
      registeredModel: MlflowPushStatus,
      /** The remote version number. */
      version: z.string(),
      status: MlflowPushStatus,
      /** Where the MLflow model folder is (the version's source). */
      source: z.string(),
      aliases: z.array(z.object({ alias: z.string(), status: MlflowPushStatus })),
    })
    .nullable(),
  /** False when the push found everything already there. */
  changed: z.boolean(),
});
export type MlflowPushOut = z.infer<typeof MlflowPushOut>;

/** A saved server, without its secret. */
export const MlflowSavedCredential = z.object({
  url: z.string(),
  kind: z.enum(['token', 'basic']),
  username: z.string().optional(),
});
export type MlflowSavedCredential = z.infer<typeof MlflowSavedCredential>;

export const MlflowCredentialsOut = z.object({
  /**
   * Where this process keeps credentials: 'safeStorage' in the desktop app (encrypted with the OS
   * keychain's key), 'none' elsewhere (the browser UI and the CLI take them per push).
   */
  store: z.enum(['safeStorage', 'none']),
  /** Why the app cannot keep them, when it cannot. */
  unavailable: z.string().optional(),
  saved: z.array(MlflowSavedCredential),
});
export type MlflowCredentialsOut = z.infer<typeof MlflowCredentialsOut>;

/** A running push, as it was asked for: the same source and server. */
export const MlflowPushCancelIn = MlflowPushIn.pick({ source: true, to: true });
export type MlflowPushCancelIn = z.input<typeof MlflowPushCancelIn>;
/** `cancelled`: false when no such push was running (not started yet, or already over). */
export const MlflowPushCancelOut = z.object({ cancelled: z.boolean() });

export const MlflowCredentialsSetIn = z.object({ url: TrackingUrl, auth: MlflowPushAuth });
export const MlflowCredentialsDeleteIn = z.object({ url: TrackingUrl });

/**
 * Where the desktop app keeps MLflow credentials (main/electron/credentials.ts). URLs are given
 * normalised (the service checks them). Never hands a secret to the renderer.
 */
export interface MlflowCredentialStore {
  get(url: string): MlflowPushAuth | undefined;
  list(): MlflowCredentialsOut;
  set(url: string, auth: MlflowPushAuth): MlflowCredentialsOut;
  remove(url: string): MlflowCredentialsOut;
}

/** Progress events of a push: `data:progress` with this op and `name` the source. */
export const MLFLOW_PUSH_OP = 'mlflow:push';

/** The channels of this file, spread into the channel map (shared/contract/index.ts). */
export const mlflowPushChannels = {
  /**
   * Copies a run (params, metric histories with steps and timestamps, tags, artifacts, status and times)
   * or a model version (its run, the ONNX package as an MLflow model with the `onnx` flavor, the
   * registered version and its aliases) to a remote MLflow server. Idempotent: a second push finds the
   * remote run by its `lathe.run_id` tag and the version by its `lathe.version_id` tag, and sends only
   * what is missing. Progress: `data:progress` with op `mlflow:push`. A push stopped by
   * `mlflow:push:cancel` fails with CANCELLED: what reached the server stays there, the remote run is not
   * marked finished, and pushing again sends the rest.
   */
  'mlflow:push': { input: MlflowPushIn, output: MlflowPushOut },
  /** Stops a running push of `source` to `to` (its request in flight is aborted, no further one sent). */
  'mlflow:push:cancel': { input: MlflowPushCancelIn, output: MlflowPushCancelOut },
  /** The servers whose credentials the app keeps (never the secrets), and whether it can keep any. */
  'mlflow:credentials:list': { input: z.object({}), output: MlflowCredentialsOut },
  /** Keeps a server's credentials, encrypted (desktop app only; refused elsewhere, naming why). */
  'mlflow:credentials:set': { input: MlflowCredentialsSetIn, output: MlflowCredentialsOut },
  /** Forgets a server's credentials. */
  'mlflow:credentials:delete': { input: MlflowCredentialsDeleteIn, output: MlflowCredentialsOut },
} as const;
