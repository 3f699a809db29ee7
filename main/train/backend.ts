import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import { BACKEND_PREFERENCE, type BackendName } from './backend-names';

let chosen: Promise<string> | null = null;

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // Optional dependency: present only where libtensorflow could be installed.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-backend-wasm');
    }
    if (!tf.findBackendFactory(name)) return false;
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** Picks tfjs-node when it loads, else wasm, else cpu; the result is recorded in every run. */
export function initBackend(forced = process.env.LATHE_BACKEND): Promise<string> {
  chosen ??= (async () => {
    const order =
      forced && BACKEND_PREFERENCE.includes(forced as BackendName)
        ? [forced as BackendName]
        : BACKEND_PREFERENCE;
    for (const name of order) {
      if (await tryBackend(name)) return name;
    }
    await tf.setBackend('cpu');
    return 'cpu';
  })();
  return chosen;
}
