import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { LatheError, describeIssues } from '../../shared/contract';

/**
 * Reads a YAML or JSON file a user wrote and validates it with its schema; errors name the file, the
 * field and the reason, and nothing is run. `label` is how errors name the file: its base name (the CLI's
 * own config files) or its whole path (files named by another request, such as an import's signature).
 */
export function loadConfigFile<S extends z.ZodType>(
  path: string,
  schema: S,
  what: string,
  prepare: (raw: Record<string, unknown>, file: string) => Record<string, unknown> = (raw) => raw,
  label: 'name' | 'path' = 'name',
): z.output<S> {
  const { file, text } = readConfigText(path, what);
  const named = label === 'name' ? basename(file) : file;
  const raw = parseConfigText(text, named, what, file);
  const parsed = schema.safeParse(prepare(raw, file), { reportInput: true });
  if (!parsed.success) {
    throw new LatheError('INVALID_CONFIG', describeIssues(parsed.error, named), {
      file,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/** The text of a config file: FILE_NOT_FOUND when it is missing, INVALID_INPUT when it cannot be read. */
export function readConfigText(path: string, what: string): { file: string; text: string } {
  const file = resolve(path);
  if (!existsSync(file))
    throw new LatheError('FILE_NOT_FOUND', `${what} file not found: ${file}`, { file });
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    throw new LatheError(
      'INVALID_INPUT',
      `${what} file ${file} cannot be read: ${(err as Error).message}`,
      { file },
    );
  }
}

/**
 * A config file's text read as YAML (or JSON) into a mapping; INVALID_CONFIG naming the file (`named`)
 * when it is not YAML or not a mapping. `file` goes into the error's details.
 */
export function parseConfigText(
  text: string,
  named: string,
  what: string,
  file: string = named,
): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new LatheError(
      'INVALID_CONFIG',
      // The parser's first line ends with ':' before the excerpt it quotes on the next lines.
      `${named}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`,
      { file },
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LatheError('INVALID_CONFIG', `${named}: expected a mapping (a ${what})`, {
      file,
    });
  }
  return raw as Record<string, unknown>;
}
