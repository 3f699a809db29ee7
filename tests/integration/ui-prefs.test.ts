import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { UI_PREF_MAX_CHARS } from '../../shared/contract';
import { contractClient } from '../helpers/services';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-ui-prefs-');
const W = join(t.dir, 'ws');
let services: Services | undefined;
const { call, failure } = contractClient(() => services!);

afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('ui:prefs', () => {
  it('stores JSON values per key that survive closing and reopening the workspace', async () => {
    services = await createServices({ workspaceDir: W, validateOutput: true });
    expect(await call('ui:prefs:get', { key: 'runs-table:Default/penguins' })).toEqual({
      value: null,
    });
    const layout = { version: 1, order: ['name', 'metrics.val_auc'], widths: { name: 220 } };
    const saved = await call('ui:prefs:set', { key: 'runs-table:Default/penguins', value: layout });
    expect(saved.key).toBe('runs-table:Default/penguins');
    expect(Number.isNaN(Date.parse(saved.updatedAt))).toBe(false);
    await call('ui:prefs:set', { key: 'other', value: 'x' });
    await call('ui:prefs:set', { key: 'other', value: [1, 'two', { three: true }] });
    await services.close();

    services = await createServices({ workspaceDir: W, validateOutput: true });
    expect(await call('ui:prefs:get', { key: 'runs-table:Default/penguins' })).toEqual({
      value: layout,
    });
    expect(await call('ui:prefs:get', { key: 'other' })).toEqual({
      value: [1, 'two', { three: true }],
    });
    await call('ui:prefs:set', { key: 'other', value: null });
    expect(await call('ui:prefs:get', { key: 'other' })).toEqual({ value: null });
  });

  it('names the field of a bad request', async () => {
    services ??= await createServices({ workspaceDir: W, validateOutput: true });
    const noKey = await failure('ui:prefs:get', { key: '' });
    expect(noKey.code).toBe('INVALID_INPUT');
    expect(noKey.message).toContain('key');
    const noValue = await failure('ui:prefs:set', { key: 'k' });
    expect(noValue.code).toBe('INVALID_INPUT');
    expect(noValue.message).toContain('value');
    const huge = await failure('ui:prefs:set', {
      key: 'k',
      value: 'x'.repeat(UI_PREF_MAX_CHARS + 1),
    });
    expect(huge.code).toBe('INVALID_INPUT');
    expect(huge.message).toMatch(/^value: .*'k'.*characters/);
    expect(await call('ui:prefs:get', { key: 'k' })).toEqual({ value: null });
  });
});
