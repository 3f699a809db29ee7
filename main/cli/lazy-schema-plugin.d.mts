import type { Plugin } from 'esbuild';
/**
 * `source` with each schema expression evaluated at its top level wrapped in `__lazySchema`, and the
 * import of it; the same string when it has none.
 */
export function transformLazySchemas(source: string, label: string): string;
/** The esbuild plugin: the transform on every TypeScript file under `dirs` (relative to `root`). */
export function lazySchemaPlugin(options: { root: string; dirs?: string[] }): Plugin;
/** Vite's plugin: the same transform, with a source map that maps each line to itself. */
export function viteLazySchemas(options: { root: string; dirs?: string[] }): {
  name: string;
  enforce: 'pre';
  transform(
    code: string,
    id: string,
  ): {
    code: string;
    map: {
      version: number;
      sources: string[];
      sourcesContent: string[];
      names: string[];
      mappings: string;
    };
  } | null;
};
