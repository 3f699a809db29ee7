import { LatheError, type ColumnInfo, type SchemaChange } from '../../shared/contract';

/** How `next` differs from `previous` by column name and type; the order of columns does not count. */
export function schemaChange(
  dataset: string,
  fromVersion: number,
  previous: ColumnInfo[],
  next: ColumnInfo[],
): SchemaChange | null {
  const before = new Map(previous.map((c) => [c.name, c]));
  const after = new Map(next.map((c) => [c.name, c]));
  const added = next.filter((c) => !before.has(c.name));
  const removed = previous.filter((c) => !after.has(c.name));
  const retyped = next.flatMap((c) => {
    const old = before.get(c.name);
    return old && old.type !== c.type ? [{ name: c.name, from: old.type, to: c.type }] : [];
  });
  if (!added.length && !removed.length && !retyped.length) return null;
  return { dataset, fromVersion, added, removed, retyped };
}

/** "adds a (BIGINT), b (VARCHAR); removes c; changes d from BIGINT to DOUBLE" */
export function describeSchemaChange(c: SchemaChange): string {
  const list = (cols: ColumnInfo[]) => cols.map((x) => `${x.name} (${x.type})`).join(', ');
  return [
    c.added.length ? `adds ${list(c.added)}` : '',
    c.removed.length ? `removes ${list(c.removed)}` : '',
    c.retyped.length
      ? `changes ${c.retyped.map((r) => `${r.name} from ${r.from} to ${r.to}`).join(', ')}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The refusal of a version whose columns differ from the latest version's, unless confirmed. */
export function schemaChangeError(c: SchemaChange): LatheError {
  return new LatheError(
    'INVALID_INPUT',
    `the columns differ from ${c.dataset}@${c.fromVersion}: the new version ${describeSchemaChange(c)}. ` +
      `Confirm the schema change to add it as a version of '${c.dataset}' anyway, or import it under another name.`,
    { schemaChange: c },
  );
}
