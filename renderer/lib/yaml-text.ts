import type { z } from 'zod';
import { parse as parseYaml } from 'yaml';

/** A problem in an editor's YAML or JSON text: where (a dotted path, '(syntax)' or '(root)') and why. */
export interface TextProblem {
  path: string;
  message: string;
}

/** The editor's text read as YAML (JSON is YAML too), or its syntax error as the one problem. */
export function readYamlText(
  text: string,
): { ok: true; raw: unknown } | { ok: false; errors: TextProblem[] } {
  try {
    return { ok: true, raw: parseYaml(text) };
  } catch (err) {
    return { ok: false, errors: [{ path: '(syntax)', message: (err as Error).message }] };
  }
}

/** A schema's complaints about the text, one per zod issue, at '(root)' when the issue has no path. */
export function textProblems(error: z.ZodError): TextProblem[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.join('.') : '(root)',
    message: i.message,
  }));
}
