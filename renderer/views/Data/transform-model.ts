import { DatasetName, DatasetRef, TransformFile, type TransformIn } from '../../../shared/contract';
import { readYamlText, textProblems, type TextProblem } from '../../lib/yaml-text';

/** How the transform form describes the new version: YAML steps, or one SELECT over the parents. */
export type TransformMode = 'steps' | 'sql';

export interface TransformDraft {
  name: string;
  /** Parent refs, separated by commas or spaces (`a, b@2`). */
  from: string;
  mode: TransformMode;
  /** The steps YAML (`mode: steps`) or the SELECT (`mode: sql`). */
  text: string;
  project: string;
}

/** What is wrong with the draft, by field; `steps` lists the YAML's problems by their path. */
export interface TransformErrors {
  name?: string;
  from?: string;
  sql?: string;
  steps?: TextProblem[];
}

export type TransformCheck =
  { ok: true; input: TransformIn } | { ok: false; errors: TransformErrors };

/** The parent refs typed in the From box, in order, without blanks or repeats. */
export function parentRefs(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/**
 * The draft as `data:transform` input, as `lathe data transform` builds it: the steps file (whose
 * optional `from:` is used when the From box is empty) or `--sql` as a single `sql` step.
 */
export function checkTransform(draft: TransformDraft): TransformCheck {
  const errors: TransformErrors = {};
  const name = draft.name.trim();
  const named = DatasetName.safeParse(name);
  if (!name) errors.name = 'name the output dataset';
  else if (!named.success) errors.name = `"${name}": ${named.error.issues[0]!.message}`;

  let from = parentRefs(draft.from);
  let steps: TransformIn['steps'] = [];
  if (draft.mode === 'sql') {
    const query = draft.text.trim();
    if (!query) errors.sql = 'give a SELECT over the parents';
    else steps = [{ type: 'sql', query }];
  } else {
    const read = readYamlText(draft.text);
    if (!read.ok) errors.steps = read.errors;
    else {
      // A bare list of steps is accepted as well as a steps file ({ from?, steps }).
      const raw = Array.isArray(read.raw) ? { steps: read.raw } : (read.raw ?? {});
      const file = TransformFile.safeParse(raw);
      if (!file.success) errors.steps = textProblems(file.error);
      else {
        steps = file.data.steps;
        if (!from.length && file.data.from) from = file.data.from;
      }
    }
  }

  if (!from.length) errors.from = 'name at least one parent dataset (NAME or NAME@VERSION)';
  else {
    const bad = from.find((ref) => !DatasetRef.safeParse(ref).success);
    if (bad) errors.from = `"${bad}": expected NAME or NAME@VERSION`;
  }

  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, input: { name, from, steps, project: draft.project } };
}
