import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tempDir } from '../helpers/workspace';
import { buildOnnx } from '../integration/serve/external-onnx';
import { openBrowserSession, type BrowserSession } from './pages/lathe-host';
import { ModelsPage } from './pages/models-page';

const files = tempDir('lathe-e2e-onnx-files-');
let session: BrowserSession;
let page: Page;
let url: string;
let onnxFile: string;
let signatureFile: string;
let badSignatureFile: string;

/** A regression with one [N, 2] float input, as torch exports it. */
const onnx = buildOnnx({
  inputs: [{ name: 'x', elem: 'float', shape: ['N', 2] }],
  outputs: [{ name: 'y', elem: 'float', shape: ['N', 1] }],
  initializers: [{ name: 'W', dims: [2, 1], data: [2, -1] }],
  nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
});

describe('importing an ONNX model from the Models view', () => {
  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'lathe-e2e-models-import-',
      prepare: () => {
        onnxFile = join(files.dir, 'linear.onnx');
        signatureFile = join(files.dir, 'linear.yaml');
        badSignatureFile = join(files.dir, 'bad.yaml');
        writeFileSync(onnxFile, onnx);
        const sig = (input: string) =>
          `task: regression\ntarget: price\nfeatures:\n  - {name: rooms, type: number}\n  - {name: age, type: number}\ninputs:\n  - {name: ${input}, features: [rooms, age]}\noutput: {name: y, kind: value}\n`;
        writeFileSync(signatureFile, sig('x'));
        writeFileSync(badSignatureFile, sig('features'));
      },
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
    files.remove();
  });

  it('names the unmapped input of a bad signature, then imports and shows the version as imported', async () => {
    const models = new ModelsPage(page);
    await models.openList(url);
    await models.byTestId('import-model-open').click();
    await models.byTestId('import-model-name').fill('house');
    await models.byTestId('import-model-onnx').fill(onnxFile);
    await models.byTestId('import-model-signature').fill(badSignatureFile);
    await models.byTestId('import-model-submit').click();
    const banner = page.locator('[data-testid="import-model"] [role="alert"]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain("input 'x' is not mapped");
    expect(await models.row('house').count()).toBe(0);

    await models.byTestId('import-model-signature').fill(signatureFile);
    await models.byTestId('import-model-submit').click();
    const done = models.byTestId('import-model-done');
    expect(await done.textContent()).toBe('Imported house v1');
    await models.row('house').waitFor();
    await done.click();
    await models.byTestId('model-versions').waitFor();
    expect(await models.version(1).locator('[data-testid="version-imported"]').count()).toBe(1);
    expect(await models.byTestId('lineage-imported').textContent()).toBe('imported ONNX model');
    expect(await models.byTestId('signature-inputs').textContent()).toBe(
      'rooms (DOUBLE), age (DOUBLE)',
    );
  });
});
