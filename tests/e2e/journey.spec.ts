import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vega } from '../helpers/workspace';
import { DataPage } from './pages/data-page';
import { DeployPage } from './pages/deploy-page';
import { ExperimentsPage, type NewRunOptions } from './pages/experiments-page';
import { JourneyPage } from './pages/journey-page';
import { repo, openBrowserSession, type BrowserSession } from './pages/lathe-host';
import { ModelsPage } from './pages/models-page';

/**
 * Issue 12's proof: a fresh workspace goes from a CSV to a promoted, served model in the browser UI only
 * (no CLI, no override, no raw SQL, no channel call for a step). One test per task, each on its own
 * workspace, saving a screenshot per step under test-results/journey/<dataset>/.
 */

type Row = Record<string, string | number | boolean | null | undefined>;

/** CSV text of `rows` over `columns` (null and undefined as empty cells). */
function toCsv(rows: Row[], columns: string[]): string {
  const cell = (v: Row[string]) => {
    if (v === null || v === undefined) return '';
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join(
    '\n',
  );
}

/** Rows and the columns written, in order. */
interface Table {
  rows: Row[];
  columns: string[];
}

const table = (rows: Row[], columns: string[]): Table => ({ rows, columns });

const readJson = (name: string) => JSON.parse(readFileSync(vega(name), 'utf8')) as Row[];

/** seattle-weather with `rain` (did it rain that day, 0/1) instead of precipitation and weather. */
function seattleRain(): Table {
  const [header = '', ...lines] = readFileSync(vega('seattle-weather.csv'), 'utf8')
    .trim()
    .split('\n');
  const names = header.split(',');
  const rows = lines.map((line) => {
    const cells = line.split(',');
    const r = Object.fromEntries(names.map((n, i) => [n, cells[i]]));
    const month = Number(String(r.date).slice(5, 7));
    const season = ['winter', 'spring', 'summer', 'autumn'][Math.floor((month % 12) / 3)];
    return { ...r, season, rain: Number(r.precipitation) > 0 ? 1 : 0 };
  });
  return { rows, columns: ['date', 'season', 'temp_max', 'temp_min', 'wind', 'rain'] };
}

interface Journey {
  /** The CSV's file name; the dataset is named after it. */
  file: string;
  table: () => Table;
  target: string;
  task: NewRunOptions['task'];
  sensitive: string;
  /** A project default gate policy a two-epoch model passes. */
  gates: string;
}

const journeys: Journey[] = [
  {
    file: 'seattle_rain.csv',
    table: seattleRain,
    target: 'rain',
    task: 'binary',
    sensitive: 'season',
    gates: 'metrics: [{ metric: accuracy, min: 0.3 }]',
  },
  {
    file: 'penguins.csv',
    table: () =>
      table(
        readJson('penguins.json').filter((p) => p['Beak Length (mm)'] !== null),
        [
          'Species',
          'Island',
          'Beak Length (mm)',
          'Beak Depth (mm)',
          'Flipper Length (mm)',
          'Body Mass (g)',
          'Sex',
        ],
      ),
    target: 'Species',
    task: 'multiclass',
    sensitive: 'Island',
    gates: 'metrics: [{ metric: accuracy, min: 0.2 }]',
  },
  {
    file: 'cars.csv',
    table: () =>
      table(
        readJson('cars.json').filter((c) => c.Miles_per_Gallon !== null),
        [
          'Name',
          'Miles_per_Gallon',
          'Cylinders',
          'Displacement',
          'Horsepower',
          'Weight_in_lbs',
          'Acceleration',
          'Origin',
        ],
      ),
    target: 'Miles_per_Gallon',
    task: 'regression',
    sensitive: 'Origin',
    gates: 'metrics: [{ metric: rmse, max: 1000 }]',
  },
];

describe.each(journeys)('the whole journey in the browser: $file ($task)', (j) => {
  const dataset = j.file.replace(/\.csv$/, '');
  const model = `${dataset.replace(/_/g, '-')}-model`;
  const shots = resolve(repo, 'test-results', 'journey', dataset);
  let session: BrowserSession;
  let files: string;
  let rows: Table;

  beforeAll(async () => {
    rmSync(shots, { recursive: true, force: true });
    files = mkdtempSync(join(tmpdir(), 'lathe-journey-files-'));
    rows = j.table();
    writeFileSync(join(files, j.file), toCsv(rows.rows, rows.columns));
    session = await openBrowserSession({ prefix: 'lathe-e2e-journey-' });
  });

  afterAll(async () => {
    await session?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it(`${j.file}: creates a project, imports, validates, trains, compares, evaluates, registers, promotes, serves, answers a request and batch-scores`, async () => {
    const { page, url } = session;
    const journey = new JourneyPage(page);
    const data = new DataPage(page);
    const experiments = new ExperimentsPage(page);
    const models = new ModelsPage(page);
    const deploy = new DeployPage(page);
    const shot = (name: string) => journey.shot(shots, name);
    try {
      await walk();
    } catch (err) {
      await shot('failed');
      throw err;
    }

    async function walk() {
      // A project, active once created.
      await data.open(url);
      await journey.createProject(url, `journey-${dataset}`);
      await shot('project');

      // Import the CSV by choosing the file: the dataset's name follows the file.
      await page.goto(`${url}#/data`);
      await data.waitUntilShown();
      await data.importFile(join(files, j.file));
      await data.datasetRow(dataset).waitFor();
      await data.profileTable().waitFor();
      await shot('import');

      // Validate: Suggest drafts a suite, Save keeps it with the dataset, Run checks it.
      const suite = await data.suggestSuite();
      expect(suite).toMatch(/expect/);
      await data.byTestId('save-suite').click();
      await data
        .byTestId('suite-saved-status')
        .filter({ hasText: /^saved / })
        .waitFor();
      const report = await data.runValidation();
      await expect.poll(() => report.textContent()).toMatch(/Validation passed .* 0 errors/);
      await shot('validate');

      // The project's gates, set before evaluating so the evaluation is checked against them.
      await journey.setGatePolicy(url, j.gates, 'journey launch review');
      await shot('gates');

      // A run with a test split from the New run form (the target and task picked, two epochs)…
      const runs: string[] = [];
      const train = async (name: string) => {
        await experiments.byTestId('train-submit').click();
        await page.waitForURL(/#\/runs\/.+/);
        runs.push(decodeURIComponent(new URL(page.url()).hash.replace(/^#\/runs\//, '')));
        await journey.waitForRunFinished();
        await shot(name);
      };
      await page.goto(`${url}#/experiments`);
      await experiments.byTestId('new-run-open').click();
      await experiments.byTestId('new-run-dataset').selectOption(dataset);
      await experiments.byTestId('new-run-target').selectOption(j.target);
      await experiments.byTestId('new-run-task').selectOption(j.task);
      await experiments.byTestId('new-run-model').selectOption('linear');
      await experiments.byTestId('new-run-epochs').fill('2');
      await experiments.byTestId('new-run-test-fraction').fill('0.2');
      await train('train');
      // …and its Clone with three epochs, which keeps the test split.
      await experiments.byTestId('run-clone').click();
      await page.waitForURL(/#\/experiments\/new\?clone=/);
      await expect
        .poll(() => experiments.byTestId('new-run-test-fraction').inputValue())
        .toBe('0.2');
      expect(await experiments.byTestId('new-run-target').inputValue()).toBe(j.target);
      await experiments.byTestId('new-run-epochs').fill('3');
      await train('train-clone');

      // Compare the two runs from the runs table.
      const compare = await journey.compareRuns(url, runs);
      for (const id of runs) await compare.locator(`[data-testid="compare-row-${id}"]`).waitFor();
      await shot('compare');

      // Evaluate the second run with a sensitive column.
      const best = runs[1]!;
      await page.goto(`${url}#/runs/${encodeURIComponent(best)}`);
      await journey.waitForRunFinished();
      await journey.evaluateWith([j.sensitive]);
      // Scored on the run's test rows (20 % held out by the New run form's test fraction).
      expect(await journey.byTestId('eval-summary').textContent()).toMatch(/Splittest/);
      if (j.task === 'binary') {
        // Fairness by the sensitive column, one row per group.
        const fairness = journey.byTestId('eval-fairness');
        await fairness.waitFor();
        expect(await fairness.textContent()).toContain(`Fairness by ${j.sensitive}`);
      } else {
        // The report says why it has no fairness section for this task.
        expect(await journey.byTestId('eval-notes').textContent()).toContain(
          j.task === 'multiclass'
            ? `Fairness by '${j.sensitive}' needs a binary model`
            : 'Fairness metrics compare decisions: they need a binary classification model',
        );
      }
      await shot('evaluate');

      // Register it from the run page.
      await page.goto(`${url}#/runs/${encodeURIComponent(best)}`);
      expect(await journey.register(model)).toMatch(new RegExp(`${model} v1`));
      await shot('register');

      // The version's gates pass on the run's evaluation, then it is promoted to champion.
      await models.openModel(url, model);
      await models.selectVersion(1);
      await models.byTestId('version-evaluation-latest').waitFor();
      expect(await models.byTestId('version-evaluation-latest').getAttribute('data-passed')).toBe(
        'true',
      );
      await shot('gates-pass');
      await models.setAlias('champion', 'journey: passes the launch gates');
      await models.waitForAliases(1, ['champion']);
      expect(await models.byTestId('gate-failed').count()).toBe(0);
      await shot('champion');

      // Serve the champion from the Deploy view.
      await deploy.openDeploy(url);
      await journey.chooseDeployModel(model);
      await expect.poll(() => deploy.selectedVersion()).toMatch(new RegExp(`^${model}@`));
      await deploy.startServer();
      await deploy.servers().first().waitFor();
      expect(await deploy.serverUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await shot('serve');

      // Try the first row of the CSV through the view's own request panel: a field per input.
      const record = rows.rows[0]!;
      const requestFields = page.locator('[data-testid^="deploy-request-field-"]');
      // The form is built once the server's signature has loaded: wait for it before reading it.
      await requestFields.first().waitFor();
      const fields = await requestFields.evaluateAll((els) =>
        els.map((e) => (e.getAttribute('data-testid') ?? '').replace('deploy-request-field-', '')),
      );
      expect(fields.length).toBeGreaterThan(0);
      expect(fields).not.toContain(j.target);
      await deploy.fillRequest(Object.fromEntries(fields.map((f) => [f, String(record[f] ?? '')])));
      const answer = await deploy.sendRequest();
      expect(answer.status).toMatch(/^HTTP 200/);
      expect(answer.answer).toMatchObject({ model, version: 1 });
      expect(answer.answer).toHaveProperty('prediction');
      // The server counted it.
      await expect.poll(() => deploy.serverRequests(), { timeout: 10_000 }).toBe(1);
      expect(await deploy.curl()).toMatch(/^curl .*127\.0\.0\.1/);
      await shot('request');

      // Batch-score the CSV itself into a new file.
      const out = join(files, `${dataset}-scores.csv`);
      expect(await journey.batchScore(join(files, j.file), out)).toMatch(/rows with/);
      expect(readFileSync(out, 'utf8').split('\n').length).toBeGreaterThan(10);
      await shot('batch');

      // The Models page lists the batch job made from the version.
      await models.openModel(url, model);
      await models.selectVersion(1);
      const job = models.byTestId('model-batch');
      await job.first().waitFor();
      expect(await job.count()).toBe(1);
      expect(await job.getByTestId('model-batch-output').textContent()).toContain(out);
      expect(await job.getByTestId('model-batch-rows').textContent()).toBe(
        rows.rows.length.toLocaleString('en-US'),
      );
      await shot('batch-jobs');

      // Stop the server from the Deploy view.
      await deploy.openDeploy(url);
      await deploy.servers().first().waitFor();

      await deploy.stopServer();
      await deploy.noServers().waitFor();

      // Everything landed in the project: one dataset, two runs.
      await page.goto(`${url}#/projects`);
      const project = journey.byTestId(`project-row-journey-${dataset}`).locator('td');
      expect(await project.nth(2).textContent()).toBe('1');
      expect(await project.nth(3).textContent()).toBe('2');
      await shot('project-done');
    }
  });
});
