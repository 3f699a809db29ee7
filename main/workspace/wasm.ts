// The WebAssembly API of Node and Electron that Lathe's kernels use (the training engines, the CSV scan),
// typed here once: its types live in lib.dom, which main/ does not load.

/** A module's memory: its buffer is a SharedArrayBuffer when the memory was made shared. */
export interface WasmMemory<B extends ArrayBufferLike = ArrayBuffer> {
  readonly buffer: B;
  grow(pages: number): number;
}

export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: {
    initial: number;
    maximum: number;
    shared: boolean;
  }) => WasmMemory<SharedArrayBuffer>;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
