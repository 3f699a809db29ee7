// Secrets never written in plain text: credentials in import URLs (user:pass@, ?token=), in a DuckDB query's
// URLs, in alert webhooks, and API keys. Each feature is exercised through the CLI; then every command's
// output, every row of every table and the bytes of every file in the workspace are searched for each
// secret. The one place a secret is kept by design is the alert rule's webhook (delivery needs it), in the
// alert_rules table only.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latheAsync, type CliResult } from '../../helpers/cli';
import { buildOnnx } from '../serve/external-onnx';
import { snapshotWorkspace } from '../../helpers/workspace-snapshot';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-secrets-');
const W = join(t.dir, 'ws');

const PASSWORD = 'Pw-9f3kQz7Lm';
const WRONG = 'Wrong-4j8Hx2';
const UNREACHABLE = 'Gone-6t1Rb5';
const QUERY_TOKEN = 'Tok-2p9Vd4Ne';
const SQL_PASSWORD = 'Sql-8c5Wn3Yu';
const HOOK_PASSWORD = 'Hook-3m7Qa1Zs';
const HOOK_TOKEN = 'HookTok-5r2Lx8';
/** Secrets nothing may write anywhere. */
const NEVER = [PASSWORD, WRONG, UNREACHABLE, QUERY_TOKEN, SQL_PASSWORD];
/** Secrets the alert rule keeps (its webhook is called later), in the alert_rules table only. */
const RULE_ONLY = [HOOK_PASSWORD, HOOK_TOKEN];

const CSV = 'a,b\n1,x\n2,y\n3,z\n';
const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

let server: Server;
let base: string;
let closedPort: number;
/** What each command printed, for the search at the end; `keys create` kept apart (it shows the key once). */
const outputs: { args: string[]; r: CliResult }[] = [];

const listen = (s: Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

async function cli(...args: string[]): Promise<CliResult> {
  const r = await latheAsync([...args, '--workspace', W]);
  outputs.push({ args, r });
  return r;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/private.csv') {
      if (req.headers.authorization !== basic('alice', PASSWORD)) {
        res.writeHead(401, { 'www-authenticate': 'Basic' }).end('no');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV);
    } else if (url.pathname === '/public.csv' && url.searchParams.get('token') === QUERY_TOKEN) {
      res.writeHead(200, { 'content-type': 'text/csv' }).end(CSV);
    } else res.writeHead(404).end('not here');
  });
  base = `127.0.0.1:${await listen(server)}`;
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise((r) => probe.close(r));
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  t.remove();
});

/** The message printed for a failure, with no stack and no secret. */
function failedClearly(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stdout + r.stderr).not.toBe(0);
  expect(r.stdout + r.stderr).toMatch(pattern);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('credentials in URLs and keys are never written in plain text', () => {
  it('imports with user:pass@ (sent as Basic auth) and records the URL redacted', async () => {
    const r = await cli(
      'data',
      'import',
      `http://alice:${PASSWORD}@${base}/private.csv`,
      '--name',
      'priv',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.stringify(r.json)).toContain(`http://alice:***@${base}/private.csv`);
  });

  it('imports with a token in the query and records it redacted', async () => {
    const r = await cli(
      'data',
      'import',
      `http://${base}/public.csv?token=${QUERY_TOKEN}&format=csv`,
      '--name',
      'pub',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.stringify(r.json)).toContain(`/public.csv?token=***&format=csv`);
  });

  it('fails a wrong password, an unreachable host and a query over a URL without quoting the secret', async () => {
    failedClearly(
      await cli('data', 'import', `http://alice:${WRONG}@${base}/private.csv`, '--name', 'bad'),
      /cannot download http:\/\/alice:\*\*\*@.*HTTP 401/,
    );
    failedClearly(
      await cli(
        'data',
        'import',
        `http://bob:${UNREACHABLE}@127.0.0.1:${closedPort}/x.csv?token=${QUERY_TOKEN}`,
        '--name',
        'gone',
      ),
      /cannot download http:\/\/bob:\*\*\*@127\.0\.0\.1:\d+\/x\.csv\?token=\*\*\*/,
    );
    // DuckDB may or may not reach the URL (httpfs); either way neither the record nor a message has it.
    await cli(
      'data',
      'import',
      '--sql',
      `SELECT * FROM read_csv('http://alice:${SQL_PASSWORD}@${base}/private.csv')`,
      '--name',
      'q',
    );
  });

  it('lists and shows datasets with their sources redacted', async () => {
    expect((await cli('data', 'list', '--json')).code).toBe(0);
    expect((await cli('data', 'versions', 'priv', '--json')).code).toBe(0);
    expect((await cli('data', 'versions', 'pub')).code).toBe(0);
  });

  it('keeps an alert webhook with credentials but shows it redacted', async () => {
    // Rules name a model that exists: a small imported one.
    const onnx = join(t.dir, 'churn.onnx');
    writeFileSync(
      onnx,
      buildOnnx({
        inputs: [{ name: 'float_input', elem: 'float', shape: ['N', 1] }],
        outputs: [{ name: 'variable', elem: 'float', shape: ['N', 1] }],
        initializers: [{ name: 'coef', dims: [1, 1], data: [2] }],
        nodes: [{ op: 'MatMul', inputs: ['float_input', 'coef'], outputs: ['variable'] }],
      }),
    );
    const sig = join(t.dir, 'churn.yaml');
    writeFileSync(
      sig,
      'task: regression\ntarget: y\nfeatures:\n  - {name: a, type: number}\ninputs:\n  - {name: float_input, features: [a]}\noutput: {name: variable, kind: value}\n',
    );
    const imported = await cli('models', 'import', 'churn', '--onnx', onnx, '--signature', sig);
    expect(imported.code, imported.stderr).toBe(0);
    const rules = join(t.dir, 'rules.yaml');
    writeFileSync(
      rules,
      [
        'rules:',
        '  - name: slow',
        '    model: churn',
        '    signal: latency_p99',
        '    above: 100',
        `    webhook: "https://hookuser:${HOOK_PASSWORD}@${base}/hook?token=${HOOK_TOKEN}&team=ml"`,
        '',
      ].join('\n'),
    );
    const set = await cli('monitor', 'rules', '--set', rules);
    expect(set.code, set.stderr).toBe(0);
    const shown = await cli('monitor', 'rules');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('https://hookuser:***@');
  });

  it('shows an API key once, at creation, and stores only its hash', async () => {
    const created = await latheAsync(['keys', 'create', 'ci', '--json', '--workspace', W]);
    expect(created.code, created.stderr).toBe(0);
    const key = (created.json as { key: string }).key;
    expect(key).toMatch(/^lk_/);
    NEVER.push(key);
    expect((await cli('keys', 'list')).code).toBe(0);
    expect((await cli('keys', 'list', '--json')).code).toBe(0);
    expect((await cli('keys', 'revoke', 'ci')).code).toBe(0);
  });

  it('leaves no secret in any output, table row or file of the workspace', async () => {
    for (const { args, r } of outputs) {
      const text = r.stdout + r.stderr;
      // The rules command's --json would be the user's own file back; only its human table was asked for.
      for (const secret of [...NEVER, ...RULE_ONLY])
        expect(text, `${args.join(' ')} printed ${secret}`).not.toContain(secret);
    }

    const snap = await snapshotWorkspace(W);
    let ruleRows = 0;
    for (const [table, rows] of Object.entries(snap.tables)) {
      const text = rows.join('\n');
      for (const secret of NEVER)
        expect(text, `table ${table} holds ${secret}`).not.toContain(secret);
      for (const secret of RULE_ONLY) {
        if (table === 'alert_rules') ruleRows += text.includes(secret) ? 1 : 0;
        else expect(text, `table ${table} holds ${secret}`).not.toContain(secret);
      }
    }
    // The rule's webhook is kept (delivery needs it): the search above would find it if it were anywhere.
    expect(ruleRows).toBe(RULE_ONLY.length);

    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(W);
    expect(files.some((f) => f.endsWith('lathe.duckdb'))).toBe(true);
    for (const file of files) {
      // The database file holds the rule's webhook by design (DuckDB may store it compressed or not).
      const bytes = readFileSync(file);
      const secrets = /lathe\.duckdb(\.wal)?$/.test(file) ? NEVER : [...NEVER, ...RULE_ONLY];
      for (const secret of secrets)
        expect(bytes.includes(Buffer.from(secret)), `${file} holds ${secret}`).toBe(false);
    }
  });
});
