import { z } from 'zod';
import { IsoTime } from './common';

/** The project a new workspace's work goes to, and the one the app shows first. */
export const DEFAULT_PROJECT = 'Default';

/** A project groups datasets, experiments and models. */
export const Project = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: IsoTime,
  datasetCount: z.number().int(),
  runCount: z.number().int(),
});
export type Project = z.infer<typeof Project>;

export const ProjectName = z
  .string()
  .min(1, 'must not be empty')
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'use letters A-Z, digits, space, _ . - (no accents)');

export const ProjectCreateIn = z.object({
  name: ProjectName,
  description: z.string().max(2000).default(''),
});
export type ProjectCreateIn = z.input<typeof ProjectCreateIn>;

export const ProjectRenameIn = z.object({ name: z.string().min(1), to: ProjectName });
export const ProjectDeleteIn = z.object({ name: z.string().min(1) });
export const ProjectRenameOut = z.object({ name: z.string(), previous: z.string() });
export const ProjectDeleteOut = z.object({
  name: z.string(),
  /** Empty experiments (no runs) removed with it. */
  experiments: z.number().int(),
});

/** Facts about the running Lathe and its workspace. */
export const AppInfo = z.object({
  version: z.string(),
  workspace: z.string(),
  /** 'owner': this process writes the workspace; 'client': it talks to the owner's host. */
  mode: z.enum(['owner', 'client']),
  pid: z.number().int(),
  backendPreference: z.array(z.string()),
  platform: z.string(),
  /**
   * The local host of the workspace's owner, when it runs one (the app, `lathe ui`, `lathe server`): where
   * a notebook points MLFLOW_TRACKING_URI. Null when it runs none.
   */
  hostUrl: z.string().nullable().optional(),
});
export type AppInfo = z.infer<typeof AppInfo>;
