import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as eager from '../../../../shared/contract';
import { buildAllLazySchemas, lazySchema, realSchema } from '../../../../shared/lazy-schema';
import {
  lazySchemaPlugin,
  transformLazySchemas,
  viteLazySchemas,
} from '../../../../main/cli/lazy-schema-plugin.mjs';

const root = resolve(__dirname, '../../../..');

describe('transformLazySchemas', () => {
  const out = (source: string) => transformLazySchemas(source, 'x.ts');

  it('wraps the schema expressions evaluated at the top level, naming file and line', () => {
    const text = out(
      [
        "import { z } from 'zod';",
        "export const A = z.object({ a: z.string() }).describe('a');",
        'const B = A.extend({ b: z.number() });',
        'export const channels = {',
        "  'x:get': channel(A, z.array(B)),",
        '};',
      ].join('\n'),
    );
    expect(text).toContain(
      'export const A = __lazySchema(() => z.object({ a: z.string() }).describe(\'a\'), "x.ts:2");',
    );
    // Inside, a name reads the schema behind a stand-in: zod's trees hold no stand-in.
    expect(text).toContain(
      'const B = __lazySchema(() => __realSchema(A).extend({ b: z.number() }), "x.ts:3");',
    );
    expect(text).toContain('channel(A, __lazySchema(() => z.array(__realSchema(B)), "x.ts:5"))');
    // The import goes on the first line: the others keep their numbers.
    expect(text.split('\n')).toHaveLength(6);
    expect(text.split('\n')[0]).toMatch(
      /^import \{ lazySchema as __lazySchema, realSchema as __realSchema \} from ".*lazy-schema\.ts"; import/,
    );
  });

  it("wraps a local factory's schemas and gives z.toJSONSchema the built schema", () => {
    const text = out(
      [
        "import { z } from 'zod';",
        'const base = { id: Id };',
        'const step = (shape) => z.object({ ...base, ...shape }).strict();',
        'export const S = step({ name: Name });',
        'export function jsonSchema() { return z.toJSONSchema(S); }',
      ].join('\n'),
    );
    expect(text).toContain(
      'const step = (shape) => z.object({ ...__realSchema(base), ...shape }).strict();',
    );
    expect(text).toContain(
      'export const S = __lazySchema(() => __realSchema(step)({ name: Name }), "x.ts:4");',
    );
    expect(text).toContain('return z.toJSONSchema(__realSchema(S));');
  });

  it('leaves what is no schema, or not run at load, as it is', () => {
    const source = [
      "import { z } from 'zod';",
      'export const N = 3;',
      'export const keys = Object.keys(shape);',
      'export const low = Math.min(1, 2);',
      'export const parsed = Thing.parse(input);',
      'export const make = (x) => x.map(String);',
      'export function f() { return z.string(); }',
      'let later = z.string();',
    ].join('\n');
    expect(out(source)).toBe(source);
  });
});

describe('lazySchema', () => {
  it('builds the schema on first use only, and then is that schema', () => {
    let builds = 0;
    const Name = lazySchema(() => {
      builds++;
      return z.string().min(1, 'must not be empty');
    }, 'test:1');
    const In = z.object({ name: Name });
    const channel = { input: In, output: z.array(Name) };
    expect(builds).toBe(0);
    expect(channel.input.parse({ name: 'a' })).toEqual({ name: 'a' });
    expect(builds).toBe(1);
    expect(Name.safeParse('').error?.issues[0]?.message).toBe('must not be empty');
    expect(Name).toBeInstanceOf(z.ZodString);
    expect(Name instanceof z.ZodType).toBe(true);
    expect(Name.optional().parse(undefined)).toBeUndefined();
    expect(builds).toBe(1);
  });

  it('answers every reflection of the built schema, the Proxy invariants holding', () => {
    const real = z.object({ a: z.number() });
    const Obj = lazySchema(() => z.object({ a: z.number() }), 'test:2');
    expect(Object.getOwnPropertyDescriptor(Obj, '_zod')?.enumerable).toBe(false);
    expect(Object.keys(Obj).sort()).toEqual(Object.keys(real).sort());
    expect('_zod' in Obj).toBe(true);
    expect(Object.getPrototypeOf(Obj)).toBe(Object.getPrototypeOf(real));
    expect(() => ({ ...Obj })).not.toThrow();
    expect(Obj.extend({ b: z.string() }).parse({ a: 1, b: 'x' })).toEqual({ a: 1, b: 'x' });
    expect(Obj.shape.a.parse(2)).toBe(2);
    const Union = z.discriminatedUnion('kind', [
      lazySchema(() => z.object({ kind: z.literal('a'), n: z.number() }), 'test:3'),
      lazySchema(() => z.object({ kind: z.literal('b') }), 'test:4'),
    ]);
    expect(Union.parse({ kind: 'a', n: 1 })).toEqual({ kind: 'a', n: 1 });
    expect(Union.safeParse({ kind: 'c' }).success).toBe(false);
  });

  it('reads the schemas behind stand-ins, in a shape or a list a copy, anything else as it is', () => {
    const Id = lazySchema(() => z.string(), 'test:5');
    const shape = { id: Id, n: 1 };
    const real = realSchema(Id);
    expect(real).not.toBe(Id);
    expect(realSchema(real)).toBe(real);
    expect(realSchema(shape)).toEqual({ id: real, n: 1 });
    expect(realSchema([Id, real])).toEqual([real, real]);
    const plain = { n: 1 };
    expect(realSchema(plain)).toBe(plain);
    expect(realSchema('text')).toBe('text');
    // z.toJSONSchema keys what it has seen by object: a stand-in in a tree breaks it, its schema does not.
    const Opt = lazySchema(() => z.string().default('x'), 'test:6');
    expect(() => z.toJSONSchema(z.object({ opt: Opt }))).toThrow();
    expect(z.toJSONSchema(z.object(realSchema({ opt: Opt })))).toEqual(
      z.toJSONSchema(z.object({ opt: z.string().default('x') })),
    );
  });

  it('names the expression when what it built is no schema, and the build check finds it', () => {
    const NotSchema = lazySchema(() => [1, 2] as unknown as z.ZodString, 'shared/x.ts:7');
    expect(() => NotSchema.parse('a')).toThrow(
      '[lazySchema] shared/x.ts:7 is not a zod schema: the build wrapped it by mistake',
    );
    expect(() => buildAllLazySchemas()).toThrow('shared/x.ts:7');
  });
});

describe("Vite's plugin", () => {
  const plugin = viteLazySchemas({ root });
  const transform = (code: string, id: string) =>
    plugin.transform(code, id) as { code: string; map: { mappings: string } } | null;
  const source = [
    "import { z } from 'zod';",
    '',
    'export const A = z.object({ a: z.string() });',
  ].join('\n');

  it('wraps the schemas of files under shared/ only, and maps each line to itself', () => {
    expect(transform(source, join(root, 'renderer/views/x.ts'))).toBeNull();
    expect(transform('export const n = 1;\n', join(root, 'shared/x.ts'))).toBeNull();
    const out = transform(source, join(root, 'shared/contract/x.ts'))!;
    expect(out.code).toBe(transformLazySchemas(source, 'shared/contract/x.ts'));
    expect(out.code).toContain(
      '__lazySchema(() => z.object({ a: z.string() }), "shared/contract/x.ts:3")',
    );
    // One segment a line: column 0 of the same line of the source.
    expect(out.map.mappings).toBe('AAAA;AACA;AACA');
  });

  it("matches Vite's ids, written with slashes, under a Windows root written with backslashes", () => {
    const windows = viteLazySchemas({ root: 'C:\\repo' });
    const at = (id: string) =>
      (windows.transform(source, id)?.code ?? '').match(/"([^"]+)"\)/)?.[1] ?? null;
    expect(at('C:/repo/shared/contract/x.ts')).toBe('shared/contract/x.ts:3');
    expect(at('C:\\repo\\shared\\x.ts')).toBe('shared/x.ts:3');
    expect(at('C:/repo/renderer/x.ts')).toBeNull();
    expect(at('C:/repo/shared/x.ts?raw')).toBeNull();
  });
});

describe('the contract built with the plugin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lathe-lazy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds nothing at load and parses every channel as the eager contract does', async () => {
    const outfile = join(dir, 'contract.cjs');
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `export * from ${JSON.stringify(join(root, 'shared/contract'))};\n` +
        `export { buildAllLazySchemas, lazySchemaCounts } from ${JSON.stringify(join(root, 'shared/lazy-schema'))};\n`,
    );
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
      plugins: [lazySchemaPlugin({ root })],
    });
    // Its own zod and registry: compared by what parses answer, not by identity.
    const lazy = createRequire(outfile)(outfile) as typeof eager & {
      buildAllLazySchemas: () => number;
      lazySchemaCounts: () => { made: number; built: number };
    };
    expect(lazy.lazySchemaCounts().made).toBeGreaterThan(300);
    expect(lazy.lazySchemaCounts().built).toBe(0);
    const samples: unknown[] = [
      {},
      { name: 'x' },
      { id: 'abc', name: 'a', project: 'p' },
      'x',
      null,
    ];
    const answer = (schema: z.ZodType, value: unknown) => {
      const r = schema.safeParse(value);
      return r.success ? { data: r.data } : { issues: r.error.issues };
    };
    for (const name of eager.channelNames) {
      for (const side of ['input', 'output'] as const) {
        for (const value of samples) {
          expect(answer(lazy.channels[name][side], value), `${name} ${side}`).toEqual(
            answer(eager.channels[name][side], value),
          );
        }
      }
    }
    // The JSON Schemas `lathe … schema` prints walk whole schema trees.
    const jsonSchemas = Object.keys(eager).filter((k) => k.endsWith('JsonSchema'));
    expect(jsonSchemas.length).toBeGreaterThanOrEqual(7);
    for (const name of jsonSchemas) {
      const make = (side: object) => (side as Record<string, () => unknown>)[name]?.();
      expect(make(lazy), name).toEqual(make(eager));
    }
    expect(lazy.buildAllLazySchemas()).toBe(lazy.lazySchemaCounts().built);
  });
});
