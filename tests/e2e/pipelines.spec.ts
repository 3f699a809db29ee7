import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowserSession, repo, type BrowserSession } from './pages/lathe-host';
import { PipelinesPage } from './pages/pipelines-page';

// import → validate → train (a tiny MLP, 3 epochs) → evaluate → register, on a CSV the test writes.
const PIPELINE = `name: e2e-tiny
description: A tiny pipeline for the Pipelines view's e2e test.
params:
  epochs: 3
steps:
  - id: load
    type: import
    name: tiny
    file: data.csv
  - id: checked
    type: validate
    from: load
    suite:
      name: tiny
      expectations:
        - { type: column_exists, column: label }
        - { type: null_rate, column: a, max: 0 }
  - id: train
    type: train
    from: checked
    config:
      target: label
      task: binary
      features: [a, b, c]
      model: { type: mlp, hidden: [4] }
      training: { epochs: '\${params.epochs}', batchSize: 32, learningRate: 0.05, validationFraction: 0.25 }
      seed: 7
  - id: evaluate
    type: evaluate
    from: train
  - id: register
    type: register
    from: train
    name: tiny-model
    alias: champion
`;

/** 240 rows: three numeric columns and a yes/no label that depends on two of them. */
function csv(): string {
  const rows = ['a,b,c,label'];
  for (let i = 0; i < 240; i++) {
    const a = ((i * 37) % 100) / 10;
    const b = ((i * 53) % 70) / 7;
    const c = (i % 9) - 4;
    rows.push(`${a},${b},${c},${a + b > 9.5 ? 'yes' : 'no'}`);
  }
  return rows.join('\n');
}

let session: BrowserSession;
let folder: string;
let file: string;
let view: PipelinesPage;

describe('the Pipelines view', () => {
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'lathe-e2e-pipelines-files-'));
    writeFileSync(join(folder, 'data.csv'), csv());
    file = join(folder, 'tiny.yaml');
    writeFileSync(file, PIPELINE);
    session = await openBrowserSession({ prefix: 'lathe-e2e-pipelines-' });
    view = new PipelinesPage(session.page);
  });

  afterAll(async () => {
    await session?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('says how to add a pipeline, and adding its file shows its graph by level', async () => {
    await view.openPipelines(session.url);
    await expect
      .poll(() => view.byTestId('pipelines-empty').textContent())
      .toContain('lathe pipeline run FILE');
    await view.add(file);
    await view.byTestId('pipeline-detail').waitFor();
    expect(await view.page.evaluate(() => window.location.hash)).toBe('#/pipelines/e2e-tiny');
    await view.byTestId('pipeline-row-e2e-tiny').waitFor();
    await view.node('register').waitFor();
    expect(await view.statuses()).toEqual({
      load: 'pending',
      checked: 'pending',
      train: 'pending',
      evaluate: 'pending',
      register: 'pending',
    });
    // Levels are columns left to right: evaluate and register both read train, one column after it.
    const x = async (id: string) => (await view.node(id).boundingBox())!.x;
    expect(await x('load')).toBeLessThan(await x('checked'));
    expect(await x('checked')).toBeLessThan(await x('train'));
    expect(await x('train')).toBeLessThan(await x('evaluate'));
    expect(await x('evaluate')).toBe(await x('register'));
    await view.byTestId('pipeline-edge-train-register').waitFor({ state: 'attached' });
    await view.byTestId('pipeline-runs-empty').waitFor();
    // The YAML is loaded beside the graph, with no problems.
    expect(await view.yaml().inputValue()).toBe(PIPELINE);
    await view.byTestId('pipeline-issues-none').waitFor();
  });

  it('runs from the view: nodes go running then succeeded live, and the run is in the history', async () => {
    await view.recordStatuses();
    await view.byTestId('pipeline-run').click();
    await expect
      .poll(() => view.shownStatus(), { timeout: 120_000 })
      .toMatch(/^(succeeded|failed|cancelled)$/);
    expect(await view.shownStatus(), session.log()).toBe('succeeded');
    const seen = await view.recorded();
    // Training takes a worker and epochs: it is drawn running before it is drawn succeeded. A quick
    // step's two events may land in one render; none is ever drawn going back.
    expect(seen.train).toContain('running');
    const order = ['pending', 'running', 'succeeded'];
    for (const step of ['load', 'checked', 'train', 'evaluate', 'register']) {
      const ranks = seen[step]!.map((s) => order.indexOf(s));
      expect(ranks, `${step}: ${seen[step]!.join(' → ')}`).toEqual([...ranks].sort());
      expect(seen[step]!.at(-1), step).toBe('succeeded');
    }
    // Each node opens what it made.
    expect(await view.byTestId('pipeline-node-link-load-dataset').getAttribute('href')).toBe(
      '#/data/tiny',
    );
    expect(await view.byTestId('pipeline-node-link-train-run').getAttribute('href')).toMatch(
      /^#\/runs\/.+/,
    );
    expect(
      await view.byTestId('pipeline-node-link-evaluate-evaluation').getAttribute('href'),
    ).toMatch(/^#\/evaluations\/.+/);
    expect(await view.byTestId('pipeline-node-link-register-model').getAttribute('href')).toBe(
      '#/models/tiny-model',
    );
    await expect.poll(() => view.runRows().count()).toBe(1);
    const row = view.runRows().first();
    expect(await row.getAttribute('data-status')).toBe('succeeded');
    expect(await row.getAttribute('data-trigger')).toBe('manual');
    await expect
      .poll(() => view.byTestId('pipeline-last-e2e-tiny').getAttribute('data-status'))
      .toBe('succeeded');
  });

  it('reruns from train: import and validate cached, train and after it run again', async () => {
    const first = await view.byTestId('pipeline-shown-run').textContent();
    await view.recordStatuses();
    await view.rerunFrom('train');
    await expect.poll(() => view.byTestId('pipeline-shown-run').textContent()).not.toBe(first);
    await expect
      .poll(() => view.shownStatus(), { timeout: 120_000 })
      .toMatch(/^(succeeded|failed|cancelled)$/);
    expect(await view.shownStatus(), session.log()).toBe('succeeded');
    expect(await view.statuses()).toEqual({
      load: 'cached',
      checked: 'cached',
      train: 'succeeded',
      evaluate: 'succeeded',
      register: 'succeeded',
    });
    await view.byTestId('pipeline-node-cached-load').waitFor();
    await view.byTestId('pipeline-node-cached-checked').waitFor();
    expect(await view.byTestId('pipeline-node-cached-train').count()).toBe(0);
    expect((await view.recorded()).train).toContain('running');
    await expect.poll(() => view.runRows().count()).toBe(2);
    expect(await view.runRows().first().getAttribute('data-from')).toBe('train');
    // The first run is still there; showing it puts its statuses back on the graph.
    await view.runRows().nth(1).locator('button').click();
    await expect
      .poll(() => view.statuses())
      .toMatchObject({ load: 'succeeded', train: 'succeeded' });
  });

  it('cancels a run, and Resume follows the resumed run live from the step that stopped', async () => {
    // Epochs enough that training outlasts the test: only Cancel ends these runs.
    await view.byTestId('pipeline-sets').fill('epochs=10000');
    await view.byTestId('pipeline-run').click();
    await expect.poll(() => view.statusOrError('train')).toBe('running');
    expect(await view.node('load').getAttribute('data-status')).toBe('cached');
    await view.byTestId('pipeline-cancel').click();
    await expect.poll(() => view.shownStatus()).toBe('cancelled');
    expect(await view.node('train').getAttribute('data-status')).toBe('cancelled');
    expect(await view.node('register').getAttribute('data-status')).toBe('skipped');
    expect(await view.runRows().first().textContent()).toContain('--set epochs=10000');
    const cancelled = await view.byTestId('pipeline-shown-run').textContent();

    // Resume resolves only at the run's end; the view shows the new run as soon as it starts.
    await view.byTestId('pipeline-resume').click();
    await expect.poll(() => view.byTestId('pipeline-shown-run').textContent()).not.toBe(cancelled);
    await expect.poll(() => view.statusOrError('train')).toBe('running');
    expect(await view.runRows().first().getAttribute('data-trigger')).toBe('resume');
    expect(await view.node('checked').getAttribute('data-status')).toBe('cached');
    await view.byTestId('pipeline-cancel').click();
    await expect.poll(() => view.shownStatus()).toBe('cancelled');
    // Opened again, the Parameters box holds the newest run's --set, so Run repeats it.
    await view.openPipelines(session.url, 'e2e-tiny');
    await expect.poll(() => view.byTestId('pipeline-sets').inputValue()).toBe('epochs=10000');
    await view.byTestId('pipeline-sets').fill('');
  });

  it('an invalid edit shows its error at its line, and Save writes a valid one', async () => {
    const text = await view.yaml().inputValue();
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('from: train'));
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at]!.replace('from: train', 'from: nowhere');
    await view.yaml().fill(lines.join('\n'));
    const inline = view.byTestId(`pipeline-inline-issue-${at + 1}`);
    await inline.waitFor();
    expect(await inline.textContent()).toContain('nowhere');
    await view.byTestId(`pipeline-issue-marker-${at + 1}`).waitFor();
    expect(await view.byTestId('pipeline-issue').first().textContent()).toContain(`line ${at + 1}`);
    expect(await view.yaml().getAttribute('aria-invalid')).toBe('true');
    // Nothing was written while typing.
    expect(readFileSync(file, 'utf8')).toBe(PIPELINE);

    await view.yaml().fill(PIPELINE.replace('epochs: 3', 'epochs: 2'));
    await view.byTestId('pipeline-issues-none').waitFor();
    await view.byTestId('pipeline-yaml-save').click();
    await view.byTestId('pipeline-yaml-dirty').waitFor({ state: 'detached' });
    expect(readFileSync(file, 'utf8')).toBe(PIPELINE.replace('epochs: 3', 'epochs: 2'));
  });

  it("draws the demo pipeline's edges beside the steps they skip, never behind them", async () => {
    const demo = join(folder, 'flights-demo.yaml');
    copyFileSync(join(repo, 'resources/pipelines/flights-demo.yaml'), demo);
    await view.openPipelines(session.url);
    await view.add(demo);
    await view.node('watch').waitFor();
    // April is read by score and watch, five and six columns on.
    await view.byTestId('pipeline-edge-april-score').waitFor({ state: 'attached' });
    await view.byTestId('pipeline-edge-april-watch').waitFor({ state: 'attached' });
    expect(await view.edgesBehindNodes()).toEqual([]);
  });
});
