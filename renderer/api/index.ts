import type { LatheApi } from '../../shared/contract';
import { createElectronClient } from './electron-client';
import { HttpClient } from './http-client';

export { ApiError, errorMessage } from './errors';
export type { ElectronBridge } from './electron-client';

let api: LatheApi | null = null;
let http: HttpClient | null = null;

/** The one API for the renderer: the Electron preload bridge when present, else the local HTTP host. */
export function getApi(): LatheApi {
  if (api) return api;
  if (window.lathe) {
    api = createElectronClient(window.lathe);
  } else {
    http = new HttpClient();
    api = http;
  }
  return api;
}

/** A path the main process can read for a file picked in an `<input type="file">`. */
export async function resolveFile(file: File): Promise<string> {
  if (window.lathe) {
    const path = window.lathe.pathForFile(file);
    if (!path)
      throw new Error(`${file.name}: this file has no path on disk; save it first, then choose it`);
    return path;
  }
  getApi();
  if (!http) throw new Error('no HTTP transport');
  return http.upload(file);
}
