export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Backends in the order Lathe tries them; LATHE_BACKEND=cpu|wasm|tensorflow forces one. */
export const BACKEND_PREFERENCE: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
