import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Run } from '../../shared/contract';
import { startHost, type Host } from '../../main/host/server';
import { createServices, type Services } from '../../main/services';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { tempDir } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { MlflowPushPage } from './pages/mlflow-push-page';
import { ModelsPage } from './pages/models-page';
import { RunPage } from './pages/run-page';
import { LAST_URL_PREF } from '../../renderer/views/Mlflow/push-model';

/**
 * The push buttons against a team MLflow server: a second Lathe (services and host in this process, on
 * 127.0.0.1 port 0, token auth as `lathe server --auth token` runs it) plays the server, behind a proxy
 * that holds the first artifact upload until the dialog has shown the push's progress. A trained run is
 * pushed from its page and read back through MLflow's REST API; a second push changes nothing; the model
 * version is pushed from the model page with its alias; and it is exported as an MLflow model folder.
 * Another run's push is stopped while its upload is held, and the next push sends the rest.
 */
const MODEL = 'penguin-push';

const remoteDir = tempDir('lathe-e2e-mlflow-remote-');
const outDir = tempDir('lathe-e2e-mlflow-export-');
let remote: Services;
let remoteHost: Host;
let remoteUrl: string;
/** The URL the app pushes to: the proxy in front of the remote. */
let teamUrl: string;
let proxy: Server;
let releaseUpload: () => void = () => undefined;
/** The next artifact upload waits for `until`, then goes on to the remote, or is dropped (`drop`). */
let holdUpload: { until: Promise<void>; drop: boolean } | null = null;
let token: string;
let session: BrowserSession;
let page: Page;
let url: string;
let run: Run;
/** A run pushed only by the test that stops its push. */
let stoppedRun: Run;

/** One MLflow REST call to the remote with the token; the parsed answer, or the test fails naming it. */
async function mlflowGet(path: string, query: Record<string, string>) {
  const res = await fetch(`${remoteUrl}/api/2.0/mlflow/${path}?${new URLSearchParams(query)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

interface RemoteRun {
  info: { run_id: string; experiment_id: string; status: string };
  data: {
    params?: { key: string; value: string }[];
    metrics?: { key: string; value: number; step: number }[];
    tags?: { key: string; value: string }[];
  };
}

describe('pushing to a team MLflow server from the app', () => {
  beforeAll(async () => {
    const rendererDir = join(remoteDir.dir, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
    remote = await createServices({ workspaceDir: join(remoteDir.dir, 'ws') });
    token = (
      await contractClient(() => remote).call('keys:create', {
        name: 'team-pusher',
        scopes: ['mlflow:write'],
      })
    ).key;
    remoteHost = await startHost({ services: remote, port: 0, rendererDir, auth: 'token' });
    remoteUrl = `http://127.0.0.1:${remoteHost.port}`;
    holdUpload = { until: new Promise<void>((resolve) => (releaseUpload = resolve)), drop: false };
    proxy = createServer((req, res) => {
      const forward = () => {
        const upstream = request(
          {
            host: '127.0.0.1',
            port: remoteHost.port,
            path: req.url,
            method: req.method,
            headers: { ...req.headers, host: `127.0.0.1:${remoteHost.port}` },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (err) => res.destroy(err));
        req.pipe(upstream);
      };
      const upload = req.method === 'PUT' && req.url?.includes('/mlflow-artifacts/') === true;
      const hold = upload ? holdUpload : null;
      if (hold) {
        holdUpload = null;
        void hold.until.then(() => (hold.drop ? res.destroy() : forward()));
      } else forward();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    teamUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    session = await openSeededSession('lathe-e2e-mlflow-push-', async (services) => {
      await importPenguins(services);
      run = await trainRun(services, penguinsConfig({ seed: 3 }));
      stoppedRun = await trainRun(services, penguinsConfig({ seed: 4 }));
      const api = contractClient(() => services);
      await api.call('models:register', { runId: run.id, name: MODEL });
      await api.call('models:alias', { ref: `${MODEL}@1`, alias: 'champion' });
    });
    ({ page, url } = session);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    releaseUpload();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    await remoteHost?.close();
    await remote?.close();
    remoteDir.remove();
    outDir.remove();
  });

  it('pushes a run from its page, names refused fields, and a second push changes nothing', async () => {
    const runPage = new RunPage(page);
    const push = new MlflowPushPage(page);
    await runPage.openRun(url, run.id);
    await push.openDialog();
    // The browser UI keeps no credentials: no "remember" box, a note instead.
    expect(await push.submitExpectingFieldError('url')).toContain('MLflow tracking URL');
    await push.fill({ url: 'ftp://mlflow:5000' });
    expect(await push.submitExpectingFieldError('url')).toContain('http or https');
    await push.fill({ url: teamUrl, token: 'not-the-key' });
    expect(await push.byTestId('mlflow-push-remember').count()).toBe(0);
    expect(await push.byTestId('mlflow-push-no-store').textContent()).toContain('this push only');
    expect(await push.submitExpectingFieldError('auth')).toContain('UNAUTHENTICATED');

    await push.fill({ token });
    // The first upload waits until the dialog shows a progress event's fraction and message.
    const first = await push.push(async () => {
      const bar = push.byTestId('mlflow-push-progress');
      await bar.locator('[role="progressbar"][aria-valuenow]').waitFor();
      expect(await bar.textContent()).not.toContain('Connecting');
      releaseUpload();
    });
    expect(first.changed).toBe(true);
    expect(first.headline).toBe(`Pushed ${run.id} to ${teamUrl}`);
    expect(first.text).toContain(`run ${first.remoteRunId}: created`);
    // Its tags went with runs/create, so the batch finds them there.
    expect(first.text).toMatch(/sent \d+ params, \d+ metric points, \d+ artifacts \(/);

    // The remote has the run: its params, final metrics and the tag that finds it again.
    const got = (await mlflowGet('runs/get', { run_id: first.remoteRunId })).run as RemoteRun;
    expect(got.info.status).toBe('FINISHED');
    const params = Object.fromEntries((got.data.params ?? []).map((p) => [p.key, p.value]));
    for (const [key, value] of Object.entries(run.params)) expect(params[key]).toBe(value);
    const metrics = Object.fromEntries((got.data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(metrics.val_accuracy).toBeCloseTo(run.metrics.val_accuracy!, 9);
    expect(got.data.tags).toContainEqual({ key: 'lathe.run_id', value: run.id });
    const history = (await mlflowGet('metrics/get-history', {
      run_id: first.remoteRunId,
      metric_key: 'loss',
    })) as { metrics: { step: number }[] };
    expect(history.metrics.map((m) => m.step).sort((a, b) => a - b)).toEqual([1, 2, 3]);

    const again = await push.push();
    expect(again.changed).toBe(false);
    expect(again.headline).toBe(`Nothing changed: ${teamUrl} already had everything of ${run.id}`);
    expect(again.remoteRunId).toBe(first.remoteRunId);
    expect(again.text).not.toContain('sent ');
    // And the remote still holds one copy of the run, with the same history.
    const search = await fetch(`${remoteUrl}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        experiment_ids: [got.info.experiment_id],
        filter: `tags.\`lathe.run_id\` = '${run.id}'`,
      }),
    });
    expect(search.status).toBe(200);
    const found = (await search.json()) as { runs?: RemoteRun[] };
    expect(found.runs?.map((r) => r.info.run_id)).toEqual([first.remoteRunId]);
    const historyAgain = (await mlflowGet('metrics/get-history', {
      run_id: first.remoteRunId,
      metric_key: 'loss',
    })) as { metrics: unknown[] };
    expect(historyAgain.metrics).toHaveLength(history.metrics.length);
    await push.close();
  });

  it('pushes the model version from the model page with its alias; again changes nothing', async () => {
    const models = new ModelsPage(page);
    const push = new MlflowPushPage(page);
    await models.openModel(url, MODEL);
    await push.openDialog(models.byTestId('model-mlflow'));
    // The last server pushed to is offered again (its URL only: the token is asked for).
    await expect.poll(() => push.byTestId('mlflow-push-url').inputValue()).toBe(teamUrl);
    expect(await push.byTestId('mlflow-push-auth').inputValue()).toBe('none');
    await push.fill({ token });
    const first = await push.push();
    expect(first.changed).toBe(true);
    expect(first.text).toContain(`run ${first.remoteRunId}: already there`);
    expect(first.text).toContain(`registered model ${MODEL}: created`);
    expect(first.text).toContain('alias @champion: created');

    const alias = (await mlflowGet('registered-models/alias', { name: MODEL, alias: 'champion' }))
      .model_version as { version: string; run_id: string; source: string };
    expect(alias.run_id).toBe(first.remoteRunId);
    expect(alias.source).toContain('model');

    const again = await push.push();
    expect(again.changed).toBe(false);
    expect(again.text).toContain(`registered model ${MODEL}: already there`);
    expect(again.text).toContain('alias @champion: already there');
    await push.close();
  });

  it('stops a push from the dialog, saying what it left; the next push sends the rest', async () => {
    let release!: () => void;
    holdUpload = { until: new Promise<void>((resolve) => (release = resolve)), drop: true };
    const runPage = new RunPage(page);
    const push = new MlflowPushPage(page);
    await runPage.openRun(url, stoppedRun.id);
    // The last server pushed to, held on its way: until it comes, the URL field takes no text (typed
    // into the empty field just before it came, the text was joined to it, and the push refused).
    let sendLastUrl!: () => void;
    const lastUrlSent = new Promise<void>((resolve) => (sendLastUrl = resolve));
    let asked!: () => void;
    const lastUrlAsked = new Promise<void>((resolve) => (asked = resolve));
    await page.route('**/api/invoke/ui:prefs:get', async (route) => {
      if (route.request().postData()?.includes(LAST_URL_PREF)) {
        asked();
        await lastUrlSent;
      }
      await route.continue();
    });
    const urlField = push.byTestId('mlflow-push-url');
    try {
      await push.openDialog();
      await lastUrlAsked;
      expect(await urlField.isEditable()).toBe(false);
      const filling = push.fill({ url: teamUrl, token });
      sendLastUrl();
      await filling;
    } finally {
      sendLastUrl();
      await page.unroute('**/api/invoke/ui:prefs:get');
    }
    expect(await urlField.inputValue()).toBe(teamUrl);
    await push.byTestId('mlflow-push-submit').click();
    // Stopped while its first upload is held: params, tags and metrics have reached the server.
    await expect.poll(() => holdUpload, { timeout: 60_000 }).toBeNull();
    await push.byTestId('mlflow-push-stop').click();
    const note = push.byTestId('mlflow-push-stopped');
    await note.waitFor();
    const text = (await note.textContent()) ?? '';
    expect(text).toContain('Push stopped');
    expect(text).toContain('push again to send the rest');
    expect(await push.byTestId('mlflow-push-error').count()).toBe(0);
    const remoteId = /the MLflow run (\w+)/.exec(text)?.[1] ?? '';
    const left = (await mlflowGet('runs/get', { run_id: remoteId })).run as RemoteRun;
    expect(left.info.status).toBe('RUNNING');
    expect(left.data.tags).toContainEqual({ key: 'lathe.run_id', value: stoppedRun.id });
    release();

    const again = await push.push();
    expect(again.changed).toBe(true);
    expect(again.remoteRunId).toBe(remoteId);
    expect(again.text).toContain(`run ${remoteId}: updated`);
    expect(await note.count()).toBe(0);
    const done = (await mlflowGet('runs/get', { run_id: remoteId })).run as RemoteRun;
    expect(done.info.status).toBe('FINISHED');
    await push.close();
  });

  it('exports the version as an MLflow model folder; a non-empty folder is refused by name', async () => {
    const models = new ModelsPage(page);
    const push = new MlflowPushPage(page);
    await models.openModel(url, MODEL);
    const target = join(outDir.dir, 'penguin-mlflow');
    const written = await push.exportModel(target);
    expect(written).toEqual({ dir: target });
    const mlmodel = readFileSync(join(target, 'MLmodel'), 'utf8');
    expect(mlmodel).toMatch(/^ {2}onnx:/m);
    expect(mlmodel).toContain('signature:');
    expect(existsSync(join(target, 'model.onnx'))).toBe(true);

    const refused = await push.exportModel(target);
    expect(refused).toEqual({ error: expect.stringContaining(`${target} is not empty`) as string });
  });
});
