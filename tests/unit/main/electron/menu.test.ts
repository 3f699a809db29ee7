import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, importDatasetHash } from '../../../../main/electron/menu';

function search(
  items: MenuItemConstructorOptions[],
  label: string,
): MenuItemConstructorOptions | undefined {
  for (const item of items) {
    if (item.label === label) return item;
    const inner = Array.isArray(item.submenu) ? search(item.submenu, label) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

function find(items: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions {
  const item = search(items, label);
  if (!item) throw new Error(`no menu item '${label}'`);
  return item;
}

function actions(platform: NodeJS.Platform) {
  return { platform, importDataset: vi.fn(), openWorkspace: vi.fn(), about: vi.fn() };
}

type Click = () => void;

describe('buildMenuTemplate', () => {
  it('wires File > Import Dataset… and Open Workspace Folder to their actions', () => {
    const a = actions('linux');
    const menu = buildMenuTemplate(a);
    (find(menu, 'Import Dataset…').click as Click)();
    (find(menu, 'Open Workspace Folder').click as Click)();
    expect(a.importDataset).toHaveBeenCalledOnce();
    expect(a.openWorkspace).toHaveBeenCalledOnce();
  });

  it('has Quit in File on Linux and Windows, and an app menu with Quit on macOS', () => {
    const linuxFile = find(buildMenuTemplate(actions('linux')), 'File');
    expect(linuxFile.submenu).toContainEqual({ role: 'quit' });
    const mac = buildMenuTemplate(actions('darwin'));
    expect(mac[0]?.label).toBe('Lathe');
    expect(mac[0]?.submenu).toContainEqual({ role: 'quit' });
  });

  it('offers reload, devtools and zoom under View, and About under Help', () => {
    const a = actions('win32');
    const menu = buildMenuTemplate(a);
    const roles = (find(menu, 'View').submenu as MenuItemConstructorOptions[]).map((i) => i.role);
    expect(roles).toEqual(
      expect.arrayContaining(['reload', 'toggleDevTools', 'zoomIn', 'zoomOut', 'resetZoom']),
    );
    const help = menu.find((i) => i.role === 'help');
    const about = (help?.submenu as MenuItemConstructorOptions[])[0];
    (about?.click as Click)();
    expect(a.about).toHaveBeenCalledOnce();
  });
});

describe('importDatasetHash', () => {
  it('routes to the Data view with the path encoded as one segment', () => {
    expect(importDatasetHash('/home/ada/My Data/rain #1.csv')).toBe(
      '#/data?import=%2Fhome%2Fada%2FMy%20Data%2Frain%20%231.csv',
    );
  });
});
