/** The AssemblyScript source of the kernels. */
export const SOURCE: string;
/** dense-wasm.ts, which holds the compiled kernels. */
export const OUTPUT: string;
/** The wasm bytes of assembly/dense.ts. */
export function compileKernel(): Promise<Uint8Array>;
/** The text of dense-wasm.ts for these bytes. */
export function moduleText(bytes: Uint8Array): string;
