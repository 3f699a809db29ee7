import { z } from 'zod';
import { TransformStep } from '../config/transform';
import { DatasetName, DatasetRef } from './data';
import { ProjectName } from './projects';

/** Makes a new dataset version from parent versions and cleaning steps (`lathe data transform`). */
export const TransformIn = z.object({
  /** The output dataset: a parent's name adds a version to it, another name makes a new dataset. */
  name: DatasetName,
  from: z.array(DatasetRef).min(1, 'name at least one parent dataset'),
  steps: z.array(TransformStep).min(1, 'give at least one step'),
  project: ProjectName.default('Default'),
});
export type TransformIn = z.input<typeof TransformIn>;

/** A dataset ref, or a run id (or unique prefix). */
export const LineageIn = z.object({ id: z.string().min(1, 'a run id or dataset ref is required') });

export const LineageNodeKind = z.enum(['file', 'query', 'version', 'run']);
export type LineageNodeKind = z.infer<typeof LineageNodeKind>;

export const LineageNode = z.object({
  /** `file:<hash>` and `query:<version id>` for sources; the version or run id otherwise. */
  id: z.string(),
  kind: LineageNodeKind,
  /** File path or URL, query text, `name@version`, or the run name. */
  label: z.string(),
  /** Content hash of a file, hash of a version, config hash of a run. */
  hash: z.string().nullable().optional(),
  /** What to open for the node: the dataset name of a version, the run id of a run. */
  dataset: z.string().optional(),
  version: z.number().int().optional(),
  status: z.string().optional(),
  /** The pipeline run whose step made this version or run (`lathe pipeline show RUN`). */
  pipeline: z.object({ run: z.string(), name: z.string(), step: z.string() }).optional(),
});
export type LineageNode = z.infer<typeof LineageNode>;

export const LineageEdge = z.object({
  from: z.string(),
  to: z.string(),
  /** import, query, a transform summary, train. */
  label: z.string().optional(),
});
export type LineageEdge = z.infer<typeof LineageEdge>;

/** Source files through dataset versions (their parents) to the runs that trained on them. */
export const LineageGraph = z.object({
  /** The node the request named. */
  focus: z.string(),
  nodes: z.array(LineageNode),
  edges: z.array(LineageEdge),
});
export type LineageGraph = z.infer<typeof LineageGraph>;
