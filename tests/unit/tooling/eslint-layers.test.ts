import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// Lints virtual files with the repo's config, minus type information (the files do not exist on disk).
const eslint = new ESLint({
  cwd: resolve(import.meta.dirname, '../../..'),
  overrideConfig: [
    { ...tseslint.configs.disableTypeChecked, files: ['**/*.ts'] },
    { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } },
  ],
});

async function restricted(filePath: string, importLine: string): Promise<boolean> {
  const [result] = await eslint.lintText(`${importLine}\nexport {};\n`, { filePath });
  const fatal = result?.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`${filePath}: ${fatal.message}`);
  return (result?.messages ?? []).some((m) => m.ruleId?.endsWith('no-restricted-imports'));
}

const refused: [string, string][] = [
  ['renderer/views/x.ts', "import { a } from '../../main/api/dispatch';"],
  ['renderer/x.ts', "import fs from 'node:fs';"],
  ['renderer/x.ts', "import fs from 'fs/promises';"],
  ['renderer/x.ts', "import { ipcRenderer } from 'electron';"],
  ['shared/contract/x.ts', "import React from 'react';"],
  ['shared/contract/x.ts', "import { join } from 'node:path';"],
  ['shared/contract/x.ts', "import { q } from '../../main/services';"],
  ['main/data/x.ts', "import { app } from 'electron';"],
  ['main/data/x.ts', "import { startHost } from '../host/server';"],
  ['main/data/x.ts', "import { run } from '../cli/index';"],
  ['main/data/x.ts', "import { registerIpc } from '../electron/ipc';"],
  ['main/data/x.ts', "import { createServices } from '../services';"],
  ['main/data/x.ts', "import { View } from '../../renderer/views/x';"],
  ['main/services.ts', "import { startHost } from './host/server';"],
  ['main/host/x.ts', "import { run } from '../cli/index';"],
  ['main/cli/x.ts', "import { app } from 'electron';"],
  ['tests/unit/x.test.ts', "import { app } from 'electron';"],
];

const allowed: [string, string][] = [
  ['renderer/x.ts', "import { useState } from 'react';"],
  ['renderer/x.ts', "import { a } from '../lib/path/x';"],
  ['renderer/views/x.ts', "import { channels } from '../../shared/contract';"],
  ['shared/contract/x.ts', "import { z } from 'zod';"],
  ['shared/contract/x.ts', "import { q } from '../config/train-config';"],
  ['main/data/x.ts', "import { createEventBus } from '../api/event-bus';"],
  ['main/data/x.ts', "import { join } from 'node:path';"],
  ['main/services.ts', "import { createDataService } from './data/data-service';"],
  ['main/host/x.ts', "import { createServices } from '../services';"],
  ['main/cli/x.ts', "import { startHost } from '../host/server';"],
  ['main/electron/x.ts', "import { app } from 'electron';"],
  ['main/electron/x.ts', "import { startHost } from '../host/server';"],
  ['tests/unit/x.test.ts', "import type { App } from 'electron';"],
  ['tests/unit/x.test.ts', "import { registerIpc } from '../../main/electron/ipc';"],
];

describe('ESLint layer rules', () => {
  it.each(refused)('%s refuses %s', async (file, line) => {
    expect(await restricted(file, line)).toBe(true);
  });

  it.each(allowed)('%s allows %s', async (file, line) => {
    expect(await restricted(file, line)).toBe(false);
  });
});
