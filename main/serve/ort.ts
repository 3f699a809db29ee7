// onnxruntime-node, loaded with the first model rather than at start: its native library would cost every
// command's start-up (`lathe data list` loads the services, which import the predictors).
import type * as Ort from 'onnxruntime-node';

let loaded: typeof Ort | undefined;

/** onnxruntime-node, loading it the first time. */
export async function loadOrt(): Promise<typeof Ort> {
  loaded ??= await import('onnxruntime-node');
  return loaded;
}

/** onnxruntime-node, once loadOrt has loaded it (a session exists, so it has). */
export function ort(): typeof Ort {
  if (!loaded) throw new Error('onnxruntime-node is used before loadOrt() loaded it');
  return loaded;
}
