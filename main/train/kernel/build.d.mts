export type KernelName = 'dense' | 'gbdt' | 'csv';
/** The kernels: source, generated module, the constant it exports, and compiler options of its own. */
export const KERNELS: Record<
  KernelName,
  { source: string; output: string; constant: string; options: Record<string, unknown> }
>;
/** The AssemblyScript source of the dense kernels. */
export const SOURCE: string;
/** dense-wasm.ts, which holds the compiled dense kernels. */
export const OUTPUT: string;
/** The wasm bytes of one kernel's source. */
export function compile(name: KernelName): Promise<Uint8Array>;
/** The text of one kernel's generated module for these bytes. */
export function generatedText(name: KernelName, bytes: Uint8Array): string;
/** The wasm bytes of assembly/dense.ts. */
export function compileKernel(): Promise<Uint8Array>;
/** The text of dense-wasm.ts for these bytes. */
export function moduleText(bytes: Uint8Array): string;
