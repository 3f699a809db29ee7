// Lazy zod schemas for the CLI's runtime bundle and the renderer. Building every schema of the contract at
// load took most of a read-only command's start-up (each z.object(...) constructs its instance and its
// members), while a command uses a handful; in the renderer, about 55 ms of the page's start before its
// first paint, where a view uses a few dozen. The builds (main/cli/lazy-schema-plugin.mjs: esbuild's for the
// CLI, Vite's for the renderer) wrap each schema expression evaluated at a module's top level (of shared/
// and main/ for the CLI, of shared/ for the renderer) in lazySchema(() => expr): a stand-in that builds the
// schema on first use and is the schema from then on (every property, `instanceof`, `in`, keys and
// prototype are the built schema's). It is not `===` the schema it built: a registry keyed by schema
// (zod's .meta/.describe) would tell them apart; Lathe's schemas use none. The sources, their types and
// the other bundles (Electron's main and preload, workers) are unchanged.

/**
 * Where buildAllLazySchemas of a bundle is found: by the CLI build, of the runtime bundle it just built
 * (esbuild.config.mjs), and by the renderer's e2e check, in the page.
 */
export const LAZY_SCHEMAS = Symbol.for('lathe.lazySchemas');

const forces: Array<() => object> = [];
/** Each stand-in's builder, to read the schema behind it (realSchema). */
const standIns = new WeakMap<object, () => object>();
let built = 0;

const isSchema = (value: unknown): value is object =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { _zod?: unknown })._zod === 'object';

/**
 * A stand-in for the schema `build()` returns, built on first use. `where` (FILE:LINE) names the
 * expression when it turns out not to be a zod schema: then the build's transform wrapped what it should
 * not have, and the first use throws, naming it.
 */
export function lazySchema<T extends object>(build: () => T, where: string): T {
  let real: T | undefined;
  // The Proxy's invariants tie what it reports of a non-configurable property (zod's `_zod`) to its target:
  // once built, the target gets those properties, the same values, so the schema's answers pass.
  const target = {} as T;
  const force = (): T => {
    if (real !== undefined) return real;
    const value = build();
    if (!isSchema(value)) {
      throw new Error(`[lazySchema] ${where} is not a zod schema: the build wrapped it by mistake`);
    }
    for (const key of Reflect.ownKeys(value)) {
      const desc = Reflect.getOwnPropertyDescriptor(value, key);
      if (desc && !desc.configurable) Reflect.defineProperty(target, key, desc);
    }
    real = value;
    built++;
    return real;
  };
  forces.push(force);
  const standIn = new Proxy(target, {
    get: (_, key) => Reflect.get(force(), key),
    set: (_, key, value) => Reflect.set(force(), key, value),
    has: (_, key) => Reflect.has(force(), key),
    ownKeys: () => Reflect.ownKeys(force()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(force(), key),
    defineProperty: (t, key, desc) => {
      const schema = force();
      const done = Reflect.defineProperty(schema, key, desc);
      const now = Reflect.getOwnPropertyDescriptor(schema, key);
      if (done && now && !now.configurable) Reflect.defineProperty(t, key, now);
      return done;
    },
    deleteProperty: (_, key) => Reflect.deleteProperty(force(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(force()),
    setPrototypeOf: (_, proto) => Reflect.setPrototypeOf(force(), proto),
  });
  standIns.set(standIn, force);
  return standIn;
}

/**
 * The schema behind a stand-in, built now if it is not yet; a plain object or array holding stand-ins (a
 * shape, a list of a union's options), a copy holding their schemas; any other value as it is.
 */
export function realSchema<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const force = standIns.get(value);
  if (force) return force() as T;
  if (Array.isArray(value)) {
    return value.some((v) => isStandIn(v))
      ? (value.map((v) => realSchema(v as unknown)) as T)
      : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const entries = Object.entries(value);
  if (!entries.some(([, v]) => isStandIn(v))) return value;
  return Object.fromEntries(entries.map(([k, v]) => [k, realSchema(v)])) as T;
}

const isStandIn = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && standIns.has(value);

/** Builds every stand-in made so far (the build's check); throws at the first that is not a schema. */
export function buildAllLazySchemas(): number {
  for (const force of forces) force();
  return forces.length;
}

/** How many stand-ins are made, and how many of them built so far. */
export function lazySchemaCounts(): { made: number; built: number } {
  return { made: forces.length, built };
}

/** Where lazySchemaCounts of a bundle is found (the renderer's e2e check). */
export const LAZY_SCHEMA_COUNTS = Symbol.for('lathe.lazySchemaCounts');

const scope = globalThis as {
  [LAZY_SCHEMAS]?: () => number;
  [LAZY_SCHEMA_COUNTS]?: () => { made: number; built: number };
};
scope[LAZY_SCHEMAS] = buildAllLazySchemas;
scope[LAZY_SCHEMA_COUNTS] = lazySchemaCounts;
