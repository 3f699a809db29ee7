import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../shared/contract';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  batchProblem,
  defaultRef,
  formatLatency,
  formatRate,
  parsePort,
  predictUrl,
  versionOptions,
} from '../../../renderer/views/Deploy/deploy-model';

const v = (version: number, aliases: string[] = [], stage: ModelVersion['stage'] = 'none') =>
  ({ version, aliases, stage }) as unknown as ModelVersion;

describe('Deploy view logic', () => {
  it('lists versions newest first with their aliases and stage, as NAME@VERSION refs', () => {
    const detail = { name: 'species', versions: [v(1, ['champion']), v(3, [], 'staging'), v(2)] };
    expect(versionOptions(detail)).toEqual([
      { ref: 'species@3', label: 'v3 (staging)' },
      { ref: 'species@2', label: 'v2' },
      { ref: 'species@1', label: 'v1 (champion)' },
    ]);
  });

  it('preselects the champion, else the production version, else the newest', () => {
    expect(defaultRef({ name: 'm', versions: [v(1, ['champion']), v(2, [], 'production')] })).toBe(
      'm@1',
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

  it('routes #/deploy both ways', () => {
    expect(parseRoute('#/deploy')).toEqual({ view: 'deploy' });
    expect(routeHref({ view: 'deploy' })).toBe('#/deploy');
  });
});
