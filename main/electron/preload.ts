// Sandboxed preload: exposes only the contract's channels and events as `window.lathe`.
// Never ipcRenderer itself, fs, or a generic pass-through
// (https://www.electronjs.org/docs/latest/tutorial/context-isolation).
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld(
  'lathe',
  createBridge(ipcRenderer, (file) => webUtils.getPathForFile(file)),
);
