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

/** The no-restricted-imports messages ESLint reports for one import line in a virtual file. */
async function restrictions(filePath: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport {};\n`, { filePath });
  const fatal = result?.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`${filePath}: ${fatal.message}`);
  return (result?.messages ?? [])
    .filter((m) => m.ruleId?.endsWith('no-restricted-imports'))
    .map((m) => m.message);
}

const restricted = async (filePath: string, importLine: string) =>
  (await restrictions(filePath, importLine)).length > 0;

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
  // Faces reach main/ through services.ts and api/ only.
  ['main/cli/x.ts', "import { resolveWorkspaceDir } from '../workspace/paths';"],
  ['main/cli/x.ts', "import { createKeyStore } from '../serve/keys';"],
  ['main/cli/commands/x.ts', "import { exportDocker } from '../../serve/docker-export';"],
  ['main/cli/commands/x.ts', "import type { Sql } from '../../workspace/db';"],
  ['main/host/x.ts', "import { openDb } from '../workspace/db';"],
  ['main/host/x.ts', "import { run } from '../cli/index';"],
  ['main/electron/x.ts', "import { createRegistry } from '../registry/registry-service';"],
  // Domains import only the ones before them: workspace < data < features < train < tracking <
  // evaluate < registry < serve.
  ['main/workspace/x.ts', "import { importFile } from '../data/import';"],
  ['main/data/x.ts', "import { train } from '../train/trainer';"],
  ['main/tracking/x.ts', "import { evaluate } from '../evaluate/evaluation-service';"],
  ['main/train/engines/x.ts', "import { r } from '../../registry/registry-store';"],
  ['main/registry/x.ts', "import { packageOf } from '../serve/packaged-model';"],
  ['main/evaluate/report-html.ts', "import { r } from '../registry/registry-store';"],
  ['main/serve/x.ts', "import { createDispatcher } from '../api/dispatch';"],
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
  ['main/cli/x.ts', "import { createServices } from '../services';"],
  ['main/cli/x.ts', "import { workspaceOwner } from '../api/workspace';"],
  ['main/cli/x.ts', "import { latheVersion } from '../version';"],
  ['main/cli/x.ts', "import { UsageError } from './args';"],
  ['main/cli/commands/x.ts', "import { withSession } from '../command';"],
  ['main/cli/commands/x.ts', "import { startHost } from '../../host/server';"],
  ['main/cli/commands/x.ts', "import { LatheError } from '../../../shared/contract';"],
  ['main/host/x.ts', "import { createDispatcher } from '../api/dispatch';"],
  ['main/electron/x.ts', "import { createServices } from '../services';"],
  ['main/data/x.ts', "import { literal } from '../workspace/db';"],
  ['main/tracking/x.ts', "import { trainRun } from '../train/trainer';"],
  ['main/serve/x.ts', "import { evaluate } from '../evaluate/metrics';"],
  ['main/serve/x.ts', "import { RegistryService } from '../registry/registry-service';"],
  ['main/train/engines/x.ts', "import { kernel } from '../kernel/build';"],
  ['main/train/engines/x.ts', "import { d } from '../../data/data-store';"],
  ['main/train/x.ts', "import type { EventBus } from '../api/event-bus';"],
  ['tests/unit/x.test.ts', "import { registerIpc } from '../../main/electron/ipc';"],
];

describe('ESLint layer rules', () => {
  it.each(refused)('%s refuses %s', async (file, line) => {
    expect(await restricted(file, line)).toBe(true);
  });

  it.each(allowed)('%s allows %s', async (file, line) => {
    expect(await restricted(file, line)).toBe(false);
  });

  it('names the faces rule and the domain order in its messages', async () => {
    expect(
      await restrictions('main/cli/commands/x.ts', "import { x } from '../../workspace/lock';"),
    ).toEqual([
      expect.stringMatching(/main\/cli imports main\/ only through main\/services, main\/api/),
    ]);
    expect(await restrictions('main/data/x.ts', "import { x } from '../train/trainer';")).toEqual([
      expect.stringMatching(/main\/data may import only the domains before it .*not .*main\/train/),
    ]);
  });
});
