// The application menu as data: type-only Electron imports, so tests can inspect it without Electron.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  platform: NodeJS.Platform;
  /** Opens a file dialog and shows the chosen file in the Data view. */
  importDataset(): void;
  /** Reveals the workspace folder in the system file manager. */
  openWorkspace(): void;
  /** Shows the version and workspace. */
  about(): void;
}

/** The hash that opens the Data view with `filePath` filled into its import field. */
export function importDatasetHash(filePath: string): string {
  return `#/data?import=${encodeURIComponent(filePath)}`;
}

/** File, Edit, View, Window and Help; on macOS the app menu comes first and Quit lives there. */
export function buildMenuTemplate(actions: MenuActions): MenuItemConstructorOptions[] {
  const isMac = actions.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: 'Lathe',
      submenu: [
        { label: 'About Lathe', click: () => actions.about() },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: 'File',
      submenu: [
        {
          label: 'Import Dataset…',
          accelerator: 'CmdOrCtrl+I',
          click: () => actions.importDataset(),
        },
        { label: 'Open Workspace Folder', click: () => actions.openWorkspace() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    // Without an Edit menu, copy/paste shortcuts do nothing on macOS.
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'About Lathe', click: () => actions.about() }],
    },
  );
  return template;
}
