import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../shared/contract';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  batchProblem,
  defaultRef,
  isBatchOutput,
  formatLatency,
  formatRate,
  parsePort,
  predictUrl,
  recordOf,
  refNote,
  requestFields,
  curlLine,
  versionOptions,
} from '../../../renderer/views/Deploy/deploy-model';

const v = (version: number, aliases: string[] = [], stage: ModelVersion['stage'] = 'none') =>
  ({ version, aliases, stage }) as unknown as ModelVersion;

describe('Deploy view logic', () => {
  it('offers the aliases (champion first, as NAME@ALIAS refs), then versions newest first', () => {
    const detail = {
      name: 'species',
      versions: [v(1, ['champion']), v(3, ['beta'], 'staging'), v(2)],
    };
    expect(versionOptions(detail)).toEqual([
      { ref: 'species@champion', label: '@champion (now v1)' },
      { ref: 'species@beta', label: '@beta (now v3)' },
      { ref: 'species@3', label: 'v3 (beta, staging)' },
      { ref: 'species@2', label: 'v2' },
      { ref: 'species@1', label: 'v1 (champion)' },
    ]);
  });

  it('names a version once per tag: an alias named like its stage is not listed twice', () => {
    const detail = { name: 'm', versions: [v(1, ['champion', 'staging'], 'staging')] };
    expect(versionOptions(detail).map((o) => o.label)).toEqual([
      '@champion (now v1)',
      '@staging (now v1)',
      'v1 (champion, staging)',
    ]);
  });

  it('preselects the champion alias (not its number), else the production version, else the newest', () => {
    expect(defaultRef({ name: 'm', versions: [v(1, ['champion']), v(2, [], 'production')] })).toBe(
      'm@champion',
    );
    expect(defaultRef({ name: 'm', versions: [v(1, [], 'production'), v(2)] })).toBe('m@1');
    expect(defaultRef({ name: 'm', versions: [v(1), v(4), v(2)] })).toBe('m@4');
    expect(defaultRef({ name: 'm', versions: [] })).toBeNull();
  });

  it('reads the port field: empty means a free port; bad values are named', () => {
    expect(parsePort('')).toEqual({ port: 0 });
    expect(parsePort(' 8080 ')).toEqual({ port: 8080 });
    expect(parsePort('80a')).toEqual({ error: 'port "80a" is not a whole number' });
    expect(parsePort('-1')).toEqual({ error: 'port "-1" is not a whole number' });
    expect(parsePort('70000')).toEqual({ error: 'port 70000 is over 65535' });
  });

  it('formats the predict URL, the rate and the latency', () => {
    expect(predictUrl({ url: 'http://127.0.0.1:5000', model: 'my model' })).toBe(
      'http://127.0.0.1:5000/v1/models/my%20model/predict',
    );
    expect(formatRate(0)).toBe('0.0 req/s');
    expect(formatRate(0.3)).toBe('0.3 req/s');
    expect(formatRate(1234.4)).toBe('1,234 req/s');
    expect(formatLatency({})).toBe('');
    expect(formatLatency({ p50Ms: 1.234, p99Ms: 42.6 })).toBe('p50 1.2 ms · p99 43 ms');
  });

  it('says what blocks the batch form', () => {
    const ok = { ref: 'm@1', input: 'in.csv', output: 'out.parquet' };
    expect(batchProblem(ok)).toBeNull();
    expect(batchProblem({ ...ok, ref: null })).toBe('choose a model version');
    expect(batchProblem({ ...ok, input: ' ' })).toBe('give an input file or glob');
    expect(batchProblem({ ...ok, output: '' })).toBe('give an output file');
    expect(batchProblem({ ...ok, output: 'out.json' })).toBe(
      'output out.json must end in .csv or .parquet',
    );
  });

  it("matches a batch job's progress to the output typed, absolute or relative to the host", () => {
    expect(isBatchOutput('/data/scores.csv', '/data/scores.csv')).toBe(true);
    expect(isBatchOutput('/data/scores.csv', ' /data/scores.csv ')).toBe(true);
    expect(isBatchOutput('/home/me/scores.csv', 'scores.csv')).toBe(true);
    expect(isBatchOutput('/home/me/out/scores.csv', './out/scores.csv')).toBe(true);
    expect(isBatchOutput('C:\\work\\scores.csv', 'scores.csv')).toBe(true);
    // Another file whose name ends the same, another folder, nothing typed.
    expect(isBatchOutput('/data/myscores.csv', 'scores.csv')).toBe(false);
    expect(isBatchOutput('/data/scores.csv', '/other/scores.csv')).toBe(false);
    expect(isBatchOutput('/data/scores.csv', '')).toBe(false);
  });

  it('says which alias a server follows and when it moved', () => {
    const s = { model: 'm', version: 1 };
    expect(refNote({ ...s, ref: 'm@1' })).toBe('');
    expect(refNote({ ...s, ref: 'm@champion' })).toBe('via m@champion');
    expect(refNote({ ...s, ref: 'm@champion', refNow: 2 })).toBe(
      'm@champion is now v2: restart to follow',
    );
    expect(refNote({ ...s, ref: 'm@champion', refNow: null })).toBe('m@champion no longer exists');
  });

  it('builds the request form from the signature and types the record it sends', () => {
    const inputs = [
      { name: 'usage', type: 'DOUBLE', kind: 'numeric' as const },
      { name: 'plan', type: 'VARCHAR', kind: 'categorical' as const, values: ['basic', 'pro'] },
      { name: 'seats', type: 'BIGINT', kind: 'categorical' as const, values: [1, 5] },
      { name: 'trial', type: 'BOOLEAN', kind: 'boolean' as const },
      { name: 'city', type: 'VARCHAR', kind: 'categorical' as const },
    ];
    expect(requestFields(inputs).map((f) => [f.name, f.control, f.options])).toEqual([
      ['usage', 'number', undefined],
      ['plan', 'select', ['basic', 'pro']],
      ['seats', 'select', ['1', '5']],
      ['trial', 'boolean', undefined],
      ['city', 'text', undefined],
    ]);
    expect(
      recordOf(inputs, { usage: ' 12.5', plan: 'pro', seats: '5', trial: 'true', city: '' }),
    ).toEqual({ record: { usage: 12.5, plan: 'pro', seats: 5, trial: true, city: null } });
    expect(recordOf(inputs, { usage: 'lots' })).toEqual({
      errors: { usage: 'usage: "lots" is not a number' },
    });
  });

  it('writes the matching curl line, with the API key header only when the server needs one', () => {
    const url = 'http://127.0.0.1:5000/v1/models/m/predict';
    expect(curlLine(url, { name: "O'Hara" }, false)).toBe(
      `curl -X POST '${url}' -H 'content-type: application/json' -d '{"name":"O'\\''Hara"}'`,
    );
    expect(curlLine(url, { x: 1 }, true)).toContain('-H "Authorization: Bearer $LATHE_API_KEY"');
  });

  it('routes #/deploy both ways', () => {
    expect(parseRoute('#/deploy')).toEqual({ view: 'deploy' });
    expect(routeHref({ view: 'deploy' })).toBe('#/deploy');
  });
});
