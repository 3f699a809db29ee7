// Alerts end to end against local HTTP receivers: a webhook that answers, one that fails N times then
// succeeds (retried with backoff), one that never answers (the check still answers, bounded), and the
// CLI: `lathe monitor check --rules FILE --json` exits 1 naming the fired rule, the alert log and ack.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AlertRule, AlertRules, type Alert, type CheckOut } from '../../../shared/contract';
import { createAlertService, type AlertService } from '../../../main/monitor/alerts';
import { ensureCaptureTable } from '../../../main/serve/capture';
import { createServices, type Services } from '../../../main/services';
import { ident } from '../../../main/workspace/db';
import { latheAsync, latheBackground } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, importPenguins, penguinsConfig } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const tmp = tempDir('lathe-alerts-');
const ws = join(tmp.dir, 'ws');
const ROWS = 12;

/** A receiver on 127.0.0.1:0: `answer(n)` says what the n-th request gets (a status, or silence). */
async function receiver(answer: (n: number) => number | 'silence') {
  const bodies: string[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      bodies.push(b);
      const a = answer(bodies.length);
      if (a === 'silence') hanging.push(res);
      else res.writeHead(a).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const close = () =>
    new Promise<void>((r) => {
      hanging.forEach((res) => res.destroy());
      server.closeAllConnections();
      server.close(() => r());
    });
  return { url, bodies, close };
}

const volumeRule = (webhook: string, extra: Partial<z.input<typeof AlertRule>> = {}) =>
  AlertRules.parse({
    rules: [
      {
        name: 'busy',
        model: 'am',
        signal: 'volume',
        above: ROWS - 1,
        severity: 'critical',
        webhook,
        ...extra,
      },
    ],
  });

beforeAll(async () => {
  const services = await createServices({ workspaceDir: ws });
  try {
    await importPenguins(services);
    await trainRegistered(contractClient(() => services).call, penguinsConfig(), 'am');
    const version = await services.registry.version('am@1');
    const { table } = await ensureCaptureTable(services.workspace.db, version);
    // Captured just now: inside every rule's last-1d window.
    await services.workspace.db.run(
      `INSERT INTO ${ident(table)} (_at, _row_id, _source, _role, _prediction)
       SELECT now()::TIMESTAMP - INTERVAL (i) MINUTE, 'r' || i, 'test', 'batch', 'Adelie' FROM range(${ROWS}) t(i)`,
    );
  } finally {
    await services.close();
  }
});
afterAll(() => tmp.remove());

describe('webhook delivery from monitor:check (in process)', () => {
  let services: Services;
  let alerts: AlertService;
  beforeAll(async () => {
    services = await createServices({ workspaceDir: ws });
    const none = async (): Promise<never> => {
      throw new Error('not used by volume rules');
    };
    // The real service over the real workspace, with a short retry policy so the test stays quick.
    alerts = createAlertService({
      db: services.workspace.db,
      workspaceDir: services.workspace.paths.dir,
      bus: services.bus,
      registry: services.registry,
      drift: { drift: none },
      capture: { health: none },
      performance: { overall: none },
      retrain: { run: none, rollback: none },
      webhook: { policy: { attempts: 4, baseDelayMs: 20, timeoutMs: 300, totalMs: 1_500 } },
    });
  });
  afterAll(async () => {
    await alerts?.stop();
    await services?.close();
  });

  it('a receiver that answers gets the alert as JSON, once; the alert is logged and on the bus', async () => {
    const hook = await receiver(() => 200);
    const seen: Alert[] = [];
    const off = services.bus.subscribe(
      (f) => f.event === 'monitor:alert' && seen.push(f.payload as Alert),
    );
    try {
      const out = await alerts.check({ rules: volumeRule(hook.url, { name: 'busy-1' }) });
      expect(out.results[0]).toMatchObject({ rule: 'busy-1', fired: true, value: ROWS });
      expect(hook.bodies).toHaveLength(1);
      const body = JSON.parse(hook.bodies[0]!) as { text: string; alert: Alert };
      expect(body.alert).toMatchObject({
        rule: 'busy-1',
        model: 'am',
        version: 1,
        value: ROWS,
        severity: 'critical',
      });
      expect(body.text).toMatch(/captured rows of am@1 over the last 1d is 12, above 11/);
      expect(out.fired[0]!.deliveries).toContainEqual({
        channel: 'webhook',
        ok: true,
        attempts: 1,
      });
      expect(seen.map((a) => a.rule)).toEqual(['busy-1']);
      expect((await alerts.list({ model: 'am' }))[0]).toMatchObject({ rule: 'busy-1' });
    } finally {
      off();
      await hook.close();
    }
  });

  it('a receiver failing twice then answering gets it on the third attempt', async () => {
    const hook = await receiver((n) => (n <= 2 ? 503 : 200));
    try {
      const out = await alerts.check({ rules: volumeRule(hook.url, { name: 'busy-2' }) });
      expect(hook.bodies).toHaveLength(3);
      expect(new Set(hook.bodies).size).toBe(1);
      expect(out.fired[0]!.deliveries).toContainEqual({
        channel: 'webhook',
        ok: true,
        attempts: 3,
      });
    } finally {
      await hook.close();
    }
  });

  it('a receiver that never answers: the check still answers, the failure recorded on the alert', async () => {
    const hook = await receiver(() => 'silence');
    try {
      const out = await alerts.check({ rules: volumeRule(hook.url, { name: 'busy-3' }) });
      const webhook = out.fired[0]!.deliveries.find((d) => d.channel === 'webhook')!;
      expect(webhook.ok).toBe(false);
      expect(webhook.error).toMatch(/no answer within \d+ ms/);
      expect(webhook.attempts).toBeGreaterThanOrEqual(1);
      expect(webhook.attempts).toBeLessThanOrEqual(4);
      const logged = (await alerts.list({})).find((a) => a.id === out.fired[0]!.id)!;
      expect(logged.deliveries).toEqual(out.fired[0]!.deliveries);
    } finally {
      await hook.close();
    }
  });
});

describe('lathe monitor check / alerts / ack / rules', () => {
  const L = (args: string[]) => latheAsync([...args, '--workspace', ws, '--json']);

  it('exits 1 naming the fired rule, delivers the webhook, and logs the alert; ack records the note', async () => {
    const hook = await receiver(() => 200);
    try {
      const file = tmp.file(
        'rules.yaml',
        `rules:\n  - name: cli-busy\n    model: am\n    signal: volume\n    above: 3\n    window: 1d\n    severity: critical\n    webhook: ${hook.url}\n  - name: cli-quiet\n    model: am\n    signal: volume\n    below: 1\n`,
      );
      const r = await L(['monitor', 'check', '--rules', file]);
      expect(r.code, r.stderr).toBe(1);
      const out = r.json as CheckOut;
      expect(out.results.map((x) => [x.rule, x.fired])).toEqual([
        ['cli-busy', true],
        ['cli-quiet', false],
      ]);
      expect(hook.bodies.some((b) => /cli-busy/.test(b))).toBe(true);

      const list = await L(['monitor', 'alerts', 'am', '--open']);
      expect(list.code, list.stderr).toBe(0);
      const alert = (list.json as Alert[]).find((a) => a.rule === 'cli-busy')!;
      const ack = await L(['monitor', 'ack', alert.id, '--note', 'expected load test']);
      expect(ack.code, ack.stderr).toBe(0);
      expect(ack.json).toMatchObject({ id: alert.id, note: 'expected load test' });
      expect((ack.json as Alert).acknowledgedAt).not.toBeNull();
      const open = await L(['monitor', 'alerts', 'am', '--open']);
      expect((open.json as Alert[]).map((a) => a.id)).not.toContain(alert.id);
    } finally {
      await hook.close();
    }
  });

  it('workspace rules: set from a file, checked by default (cooldown suppresses the repeat), exit 0 when quiet', async () => {
    const file = tmp.file(
      'ws-rules.json',
      JSON.stringify({
        schedule: '0 * * * *',
        rules: [{ name: 'ws-busy', model: 'am', signal: 'volume', above: 3 }],
      }),
    );
    const set = await L(['monitor', 'rules', '--set', file]);
    expect(set.code, set.stderr).toBe(0);
    expect((await L(['monitor', 'rules'])).json).toMatchObject({
      rules: { schedule: '0 * * * *' },
    });
    const first = await L(['monitor', 'check']);
    expect(first.code).toBe(1);
    expect((first.json as CheckOut).fired.map((a) => a.rule)).toEqual(['ws-busy']);
    const again = await L(['monitor', 'check']);
    expect(again.code).toBe(1);
    expect((again.json as CheckOut).results[0]).toMatchObject({ fired: true, suppressed: true });
    expect((again.json as CheckOut).fired).toEqual([]);
    const quiet = tmp.file(
      'quiet.yaml',
      'rules:\n  - {name: q, model: am, signal: volume, above: 1000}\n',
    );
    expect((await L(['monitor', 'check', '--rules', quiet])).code).toBe(0);
  });

  it('lathe monitor watch checks on the cron schedule until Ctrl-C', async () => {
    const every = tmp.file(
      'every-second.yaml',
      "schedule: '* * * * * *'\nrules:\n  - {name: w-busy, model: am, signal: volume, above: 3, cooldown: 1m}\n",
    );
    const watch = latheBackground([
      'monitor',
      'watch',
      '--rules',
      every,
      '--workspace',
      ws,
      '--json',
    ]);
    try {
      // Two checks: the first fires, the second is within the cooldown.
      const lines = await watch.waitFor('stdout', /^\{.*\}\n\{.*\}\n/s, 30_000);
      const [first, second] = lines
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as CheckOut);
      expect(first!.fired.map((a) => a.rule)).toEqual(['w-busy']);
      expect(second!.results[0]).toMatchObject({ fired: true, suppressed: true });
    } finally {
      watch.child.kill('SIGINT');
    }
    expect(await watch.exit).toBe(0);
  });

  it('labels and performance in words: the counts, and a table of windows', async () => {
    const labels = tmp.file(
      'am-labels.csv',
      'id,species\nr0,Adelie\nr1,Gentoo\nr1,Adelie\nnobody,Adelie\n',
    );
    const a = await latheAsync([
      'monitor',
      'actuals',
      'am',
      '--file',
      labels,
      '--id-column',
      'id',
      '--target-column',
      'species',
      '--workspace',
      ws,
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(
      /am: 4 label\(s\) read, 3 matched a captured row, 1 replaced an earlier label, 1 matched nothing/,
    );
    const p = await latheAsync([
      'monitor',
      'performance',
      'am',
      '--window',
      '1000',
      '--workspace',
      ws,
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^am \(multiclass\)/);
    expect(p.stdout).toMatch(/start +end +version +rows +labelled +actual +estimated/);
    expect(p.stdout).toMatch(/ 1 +12 +2$/m);
    const bad = await latheAsync([
      'monitor',
      'performance',
      'am',
      '--window',
      'fortnight',
      '--workspace',
      ws,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--window/);
  });

  it('refuses workspace rules naming a model that does not exist; a rule not judged fails the check', async () => {
    const before = (await L(['monitor', 'rules'])).json;
    const typo = tmp.file(
      'typo-rules.yaml',
      'rules:\n  - {name: ok, model: am, signal: volume, above: 1000}\n  - {name: r3, model: nosuch, signal: error_rate, above: 0.5}\n',
    );
    const set = await L(['monitor', 'rules', '--set', typo]);
    expect(set.code).toBe(1);
    expect(set.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(set.stderr).toMatch(/rules\.1\.model: no model 'nosuch' \(rule 'r3'\)/);
    expect((await L(['monitor', 'rules'])).json).toEqual(before);

    // A rules file checked once is not stored: its unknown model is a rule that cannot be judged.
    const r = await latheAsync(['monitor', 'check', '--rules', typo, '--workspace', ws]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ok {2}ok: /m);
    expect(r.stdout).toMatch(/^ERROR {2}r3: could not be judged: no model 'nosuch'$/m);
    const json = await L(['monitor', 'check', '--rules', typo]);
    expect(json.code).toBe(1);
    expect((json.json as CheckOut).results.map((x) => [x.rule, x.fired, x.error])).toEqual([
      ['ok', false, undefined],
      ['r3', false, "no model 'nosuch'"],
    ]);
  });

  it("a window of 0 is refused in Lathe's words, not zod's", async () => {
    const r = await latheAsync([
      'monitor',
      'performance',
      'am',
      '--window',
      '0',
      '--workspace',
      ws,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --window: '0' is not hour, day, week or a number of rows greater than 0$/m,
    );
  });

  it('a bad rules file is refused naming the file and the field', async () => {
    const bad = tmp.file(
      'bad-rules.yaml',
      'rules:\n  - {name: x, model: am, signal: drift_share, window: 1d}\n',
    );
    const r = await L(['monitor', 'check', '--rules', bad]);
    // An error, not a verdict: exit 1 with the error in place of results.
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ error: { code: 'INVALID_CONFIG' } });
    expect(r.stderr).toMatch(/bad-rules\.yaml.*rules\.0\.above.*give above, below or both/);
  });
});
