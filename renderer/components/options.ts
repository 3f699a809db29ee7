import type { ColumnInfo, DatasetSummary, Task } from '../../shared/contract';
import { formatCount } from '../lib/format';

/** A SelectField's choice. */
export interface Option {
  value: string;
  label: string;
}

/** The choices of a dataset picker: name, latest version and its row count. */
export const datasetOptions = (datasets: readonly DatasetSummary[]): Option[] =>
  datasets.map((d) => ({
    value: d.name,
    label: `${d.name} (v${d.latest.version}, ${formatCount(d.latest.rows)} rows)`,
  }));

/** The choices of a column picker (e.g. the target): name and type. */
export const columnOptions = (columns: readonly ColumnInfo[]): Option[] =>
  columns.map((c) => ({ value: c.name, label: `${c.name} · ${c.type.toLowerCase()}` }));

/** Choices whose label is the value itself. */
export const plainOptions = (values: readonly string[]): Option[] =>
  values.map((v) => ({ value: v, label: v }));

export const TASK_OPTIONS = plainOptions(['binary', 'multiclass', 'regression'] satisfies Task[]);
