import type { ColumnInfo, DatasetSummary, Task } from '../../shared/contract';
import { formatCount } from '../lib/format';

const TASKS: Task[] = ['binary', 'multiclass', 'regression'];

/** The `<option>`s of a dataset picker: name, latest version and its row count. */
export function DatasetOptions({ datasets }: { datasets: DatasetSummary[] }) {
  return datasets.map((d) => (
    <option key={d.id} value={d.name}>
      {d.name} (v{d.latest.version}, {formatCount(d.latest.rows)} rows)
    </option>
  ));
}

/** The `<option>`s of a column picker (e.g. the target): name and type. */
export function ColumnOptions({ columns }: { columns: ColumnInfo[] }) {
  return columns.map((c) => (
    <option key={c.name} value={c.name}>
      {c.name} · {c.type.toLowerCase()}
    </option>
  ));
}

/** The `<option>`s of a task picker. */
export function TaskOptions() {
  return TASKS.map((t) => (
    <option key={t} value={t}>
      {t}
    </option>
  ));
}
