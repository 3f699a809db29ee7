import type { PredictBatchOut } from './contract';

type Unreadable = NonNullable<PredictBatchOut['unreadable']>[number];

/** A batch's unreadable numeric input for people: "hour: 2 values are not a number (e.g. 'ten'); …". */
export function unreadableText(u: Unreadable): string {
  const values = u.values === 1 ? '1 value is' : `${u.values.toLocaleString('en-US')} values are`;
  return `${u.column}: ${values} not a number (e.g. '${u.example}'); scored as missing, imputed as in training`;
}
