import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints a virtual file under main/ with the repo's config and type information: the file is not on disk,
// so the project service types it in its default project.
const SAMPLE = 'main/data/__sql-number-sample.ts';
const eslint = new ESLint({
  cwd: resolve(import.meta.dirname, '../../..'),
  overrideConfig: [
    {
      files: [SAMPLE],
      languageOptions: { parserOptions: { projectService: { allowDefaultProject: [SAMPLE] } } },
    },
  ],
});

async function flagged(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: SAMPLE });
  const fatal = result?.messages.find((m) => m.fatal);
  if (fatal) throw new Error(fatal.message);
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'lathe/sql-number')
    .map((m) => code.split('\n')[m.line - 1]!.trim());
}

const header = `import { ident, sqlInteger, sqlNumber, type Sql } from '../workspace/db';
export async function sample(db: Sql, column: string, min: number, big: bigint, rows: number | undefined) {
  const c = ident(column);
  const r = \`row_number() OVER (ORDER BY \${c})\`;
`;
const footer = '}\n';

describe('lathe/sql-number', () => {
  it('flags numbers written bare into SQL text', async () => {
    const bad = [
      // The defect: a range bound in a fragment that is SQL only through ident().
      'const failing = `${c} < ${min}`;',
      'await db.all(`SELECT * FROM t WHERE x > ${min}`);',
      'await db.run(`DELETE FROM t WHERE id = ${big}`);',
      'const limit = `LIMIT ${rows ?? 10}`;',
      'const asText = `SELECT ${String(min)} AS v`;',
      'const fixed = `SELECT ${min.toFixed(3)} AS v`;',
      'const test = `CASE WHEN ${r} <= ${rows} THEN 1 END`;',
      "const glued = 'SELECT * FROM t LIMIT ' + min;",
      'const cast = `${min}::DOUBLE`;',
      "const list = `list_contains([${[min, 2].map(String).join(', ')}], ${c})`;",
      "const keys = `${c} IN (${[big].join(', ')})`;",
    ];
    const lines = await flagged(header + bad.map((l) => `  ${l}\n`).join('') + footer);
    expect(lines).toEqual(bad);
  });

  it('passes numbers through sqlNumber/sqlInteger, bound parameters, names and plain messages', async () => {
    const good = [
      'const failing = `${c} < ${sqlNumber(min)}`;',
      'await db.all(`SELECT * FROM t WHERE x > ?`, [min]);',
      'await db.run(`DELETE FROM t WHERE id = ${sqlNumber(big)}`);',
      'const limit = `LIMIT ${sqlInteger(rows ?? 10)}`;',
      'const alias = `count(${c}) AS n${rows ?? 0}`;',
      'const message = `column ${column} has ${min} rows`;',
      'const sum = min + (rows ?? 0);',
      'const port = `127.0.0.1:${min}`;',
      'const docker = `FROM node:20\\nEXPOSE ${min}`;',
      "const list = `list_contains([${[min, 2].map((v) => sqlNumber(v)).join(', ')}], ${c})`;",
      "const names = `${c} IN (${['a', 'b'].join(', ')})`;",
    ];
    expect(await flagged(header + good.map((l) => `  ${l}\n`).join('') + footer)).toEqual([]);
  });
});
