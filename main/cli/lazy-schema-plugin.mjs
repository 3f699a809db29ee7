// The build plugins that make zod schemas lazy (see shared/lazy-schema.ts): esbuild's for the CLI's runtime
// bundle, Vite's for the renderer. Each schema expression evaluated at a module's top level, `z.…(…)` or a
// schema method on a name (`Base.extend(…)`, `Name.optional()`), becomes
// `__lazySchema(() => expr, 'FILE:LINE')`. Function bodies are left alone (they run later anyway). The CLI
// build then builds every stand-in once, so a wrapped expression that is no schema fails the build; the
// renderer's are built in the page by an e2e test (tests/e2e/lazy-schemas.spec.ts).
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const HELPER = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'shared',
  'lazy-schema.ts',
);

/** zod's functions that do not make a schema (z.infer and the like are types: never values here). */
const Z_NOT_SCHEMA = new Set([
  'config',
  'core',
  'flattenError',
  'formatError',
  'globalRegistry',
  'locales',
  'prettifyError',
  'regexes',
  'registry',
  'toJSONSchema',
  'treeifyError',
  'util',
]);
/** A schema's methods that do not answer a schema. */
const NOT_SCHEMA = new Set([
  'decode',
  'decodeAsync',
  'encode',
  'encodeAsync',
  'isNullable',
  'isOptional',
  'parse',
  'parseAsync',
  'safeDecode',
  'safeEncode',
  'safeParse',
  'safeParseAsync',
  'spa',
  'toJSONSchema',
]);
/** The methods that, called on a name other than `z`, answer a schema (zod 4's classic API). */
const SCHEMA_METHODS = new Set([
  'and',
  'array',
  'brand',
  'catch',
  'catchall',
  'check',
  'default',
  'describe',
  'extend',
  'keyof',
  'loose',
  'merge',
  'meta',
  'nonoptional',
  'nullable',
  'nullish',
  'omit',
  'optional',
  'or',
  'partial',
  'passthrough',
  'pick',
  'pipe',
  'prefault',
  'readonly',
  'refine',
  'required',
  'safeExtend',
  'strict',
  'strip',
  'superRefine',
  'transform',
]);

/** The names a chain `a.b(…).c(…)` reads, outermost last, and the identifier it starts from. */
function chainOf(node) {
  const names = [];
  let cur = node;
  for (;;) {
    if (ts.isCallExpression(cur) || ts.isNonNullExpression(cur)) cur = cur.expression;
    else if (ts.isPropertyAccessExpression(cur)) {
      names.unshift(cur.name.text);
      cur = cur.expression;
    } else break;
  }
  return ts.isIdentifier(cur) ? { root: cur.text, names } : null;
}

function isSchemaExpression(node, factories = new Set()) {
  if (!ts.isCallExpression(node)) return false;
  if (ts.isIdentifier(node.expression)) return factories.has(node.expression.text);
  const chain = chainOf(node);
  if (!chain || chain.names.length === 0) return false;
  const last = chain.names[chain.names.length - 1];
  if (NOT_SCHEMA.has(last)) return false;
  if (chain.root === 'z') return !Z_NOT_SCHEMA.has(chain.names[0]);
  // The last call must be a schema method called on what it follows (`X.extend(…)`, not `f(X)`).
  return ts.isPropertyAccessExpression(node.expression) && SCHEMA_METHODS.has(last);
}

/** The module's top-level arrow functions that answer a schema expression: `(…) => z.object(…)`. */
function schemaFactories(file) {
  const factories = new Set();
  for (const st of file.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      const f = d.initializer;
      if (ts.isIdentifier(d.name) && f && ts.isArrowFunction(f) && isSchemaExpression(f.body)) {
        factories.add(d.name.text);
      }
    }
  }
  return factories;
}

/** The names a module binds at its top level: its value imports and its declarations. */
function topLevelNames(file) {
  const names = new Set();
  for (const st of file.statements) {
    if (ts.isImportDeclaration(st) && st.importClause && !st.importClause.isTypeOnly) {
      const { name, namedBindings } = st.importClause;
      if (name) names.add(name.text);
      if (namedBindings && ts.isNamespaceImport(namedBindings)) names.add(namedBindings.name.text);
      if (namedBindings && ts.isNamedImports(namedBindings)) {
        for (const el of namedBindings.elements) if (!el.isTypeOnly) names.add(el.name.text);
      }
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      names.add(st.name.text);
    }
  }
  names.delete('z');
  return names;
}

/**
 * `node`'s text with each reference to a top-level name (`names`) as `__realSchema(NAME)`: the schema a
 * stand-in built (a shape or list holding stand-ins: a copy with the schemas), anything else as it is. So
 * zod's trees hold the built schemas, never a stand-in: z.toJSONSchema keys what it has seen by object,
 * and a stand-in is not `===` its schema.
 */
function unwrapped(node, file, names) {
  const edits = [];
  const visit = (n) => {
    if (ts.isTypeNode(n) || ts.isTypeParameterDeclaration(n)) return;
    if (ts.isShorthandPropertyAssignment(n) && names.has(n.name.text)) {
      edits.push([
        n.name.getStart(file),
        n.name.end,
        `${n.name.text}: __realSchema(${n.name.text})`,
      ]);
      return;
    }
    if (ts.isIdentifier(n) && names.has(n.text) && n.parent.name !== n) {
      edits.push([n.getStart(file), n.end, `__realSchema(${n.text})`]);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  const start = node.getStart(file);
  let text = file.text.slice(start, node.end);
  for (const [from, to, replacement] of edits.reverse()) {
    text = `${text.slice(0, from - start)}${replacement}${text.slice(to - start)}`;
  }
  return text;
}

const isToJsonSchema = (node) =>
  ts.isCallExpression(node) &&
  ts.isPropertyAccessExpression(node.expression) &&
  ts.isIdentifier(node.expression.expression) &&
  node.expression.expression.text === 'z' &&
  node.expression.name.text === 'toJSONSchema' &&
  node.arguments.length > 0;

/**
 * `source` (a TypeScript module) with each schema expression evaluated at its top level wrapped in
 * `__lazySchema` (a top-level constant's value, or an argument of a call there: `channel(A, z.array(B))`),
 * and the imports of the helpers; `label` names the file in the stand-ins' errors. Unchanged (the same
 * string) when it has none. Inside a wrapped expression, and in what z.toJSONSchema is given, a name
 * reads the built schema (see unwrapped).
 */
export function transformLazySchemas(source, label) {
  const file = ts.createSourceFile(label, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = topLevelNames(file);
  const factories = schemaFactories(file);
  const isSchema = (node) => isSchemaExpression(node, factories);
  const wraps = [];
  const edits = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (isSchema(node)) {
      wraps.push(node);
      return;
    }
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement) && statement.declarationList.flags & ts.NodeFlags.Const) {
      ts.forEachChild(statement.declarationList, visit);
    } else if (ts.isExportAssignment(statement)) visit(statement.expression);
  }
  // A factory's schema (`(type, shape) => z.object({ ...base, ...shape })`) is built from what it reads.
  for (const st of file.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && factories.has(d.name.text)) {
        const body = d.initializer.body;
        edits.push([body.getStart(file), body.end, unwrapped(body, file, names)]);
      }
    }
  }
  const inWrap = (node) => wraps.some((w) => node.pos >= w.pos && node.end <= w.end);
  for (const node of wraps) {
    const start = node.getStart(file);
    const line = file.getLineAndCharacterOfPosition(start).line + 1;
    const text = `__lazySchema(() => ${unwrapped(node, file, names)}, ${JSON.stringify(`${label}:${line}`)})`;
    edits.push([start, node.end, text]);
  }
  const findJson = (node) => {
    if (isToJsonSchema(node) && !inWrap(node)) {
      const arg = node.arguments[0];
      edits.push([arg.getStart(file), arg.end, `__realSchema(${arg.getText(file)})`]);
    }
    ts.forEachChild(node, findJson);
  };
  findJson(file);
  if (edits.length === 0) return source;
  let out = source;
  for (const [from, to, text] of edits.sort((a, b) => b[0] - a[0])) {
    out = `${out.slice(0, from)}${text}${out.slice(to)}`;
  }
  // On the first line, so the lines of the source map stay the file's.
  return `import { lazySchema as __lazySchema, realSchema as __realSchema } from ${JSON.stringify(HELPER)}; ${out}`;
}

/** Matches the TypeScript files under `dirs` (relative to `root`). */
function filesUnder(root, dirs) {
  // Either separator anywhere: esbuild keeps Windows' backslashes, Vite writes every id with slashes.
  const under = root.split(/[\\/]/).map(escape).join('[\\\\/]');
  return new RegExp(`^${under}[\\\\/]((?:${dirs.map(escape).join('|')})[\\\\/].*\\.ts)$`);
}

/** esbuild's plugin: the transform on every TypeScript file under `dirs` (relative to `root`). */
export function lazySchemaPlugin({ root, dirs = ['shared'] }) {
  const filter = filesUnder(root, dirs);
  return {
    name: 'lazy-schemas',
    setup(b) {
      b.onLoad({ filter }, async ({ path }) => {
        const source = await readFile(path, 'utf8');
        return {
          contents: transformLazySchemas(source, relative(root, path)),
          loader: 'ts',
          resolveDir: dirname(path),
        };
      });
    },
  };
}

/**
 * Vite's plugin (before its TypeScript transform), as lazySchemaPlugin. The transform keeps every line where
 * it was (the helpers' import goes on the first), so its source map maps each line to itself.
 */
export function viteLazySchemas({ root, dirs = ['shared'] }) {
  const filter = filesUnder(root, dirs);
  return {
    name: 'lazy-schemas',
    enforce: 'pre',
    transform(code, id) {
      const under = filter.exec(id);
      if (!under) return null;
      const out = transformLazySchemas(code, under[1].replaceAll('\\', '/'));
      if (out === code) return null;
      const lines = out.split('\n').length;
      return {
        code: out,
        map: {
          version: 3,
          sources: [id],
          sourcesContent: [code],
          names: [],
          mappings: Array.from({ length: lines }, (_, i) => (i === 0 ? 'AAAA' : 'AACA')).join(';'),
        },
      };
    },
  };
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
