import { describe, expect, it } from 'vitest';
import {
  describeReason,
  keyConfig,
  planRerun,
  stepKey,
  type StepKey,
} from '../../../../main/pipeline/cache-key';
import { parsePipeline } from '../../../../main/pipeline/graph';

const config = {
  type: 'train',
  config: { target: 'y', task: 'binary', model: { type: 'gbdt', trees: 5 } },
};
const inputs = { raw: 'a1b2c3', checked: 'd4e5f6' };

describe('stepKey', () => {
  it('is the same whatever the order of fields', () => {
    const a = stepKey({ config, inputs, latheVersion: '0.9.0' });
    const b = stepKey({
      config: {
        config: { model: { trees: 5, type: 'gbdt' }, task: 'binary', target: 'y' },
        type: 'train',
      },
      inputs: { checked: 'd4e5f6', raw: 'a1b2c3' },
      latheVersion: '0.9.0',
    });
    expect(a).toEqual(b);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with each ingredient', () => {
    const a = stepKey({ config, inputs, latheVersion: '0.9.0' }).key;
    const others = [
      stepKey({
        config: { ...config, config: { ...config.config, target: 'z' } },
        inputs,
        latheVersion: '0.9.0',
      }),
      stepKey({ config, inputs: { ...inputs, raw: 'ffffff' }, latheVersion: '0.9.0' }),
      stepKey({ config, inputs: { raw: 'd4e5f6', checked: 'a1b2c3' }, latheVersion: '0.9.0' }),
      stepKey({ config, inputs: { raw: 'a1b2c3' }, latheVersion: '0.9.0' }),
      stepKey({ config, inputs, latheVersion: '0.9.1' }),
    ].map((k) => k.key);
    expect(new Set([a, ...others]).size).toBe(6);
  });

  it("leaves a step's id, description and input references out of its config", () => {
    const g = parsePipeline(
      `name: p\nsteps:\n  - { id: raw, type: import, file: a.csv }\n  - { id: fit, type: train, from: raw, description: first try, config: t.yaml }\n  - { id: fit2, type: train, from: raw, after: [fit], config: t.yaml }\n  - { id: e, type: evaluate, from: fit, data: raw, slices: [a] }\n`,
    );
    expect(keyConfig(g.steps.get('fit')!)).toEqual({ type: 'train', config: 't.yaml' });
    expect(keyConfig(g.steps.get('fit2')!)).toEqual(keyConfig(g.steps.get('fit')!));
    expect(keyConfig(g.steps.get('e')!)).toEqual({ type: 'evaluate', slices: ['a'] });
  });
});

describe('planRerun', () => {
  const g = parsePipeline(
    `name: p\nsteps:\n` +
      `  - { id: raw, type: import, file: a.csv }\n` +
      `  - { id: fit, type: train, from: raw, config: t.yaml }\n` +
      `  - { id: other, type: import, file: b.csv }\n` +
      `  - { id: e, type: evaluate, from: fit, data: other }\n` +
      `  - { id: reg, type: register, from: fit, name: m }\n`,
  );
  const key = (
    id: string,
    over: Partial<{ config: unknown; inputs: Record<string, string>; v: string }> = {},
  ) =>
    stepKey({
      config: over.config ?? { id },
      inputs: over.inputs ?? {},
      latheVersion: over.v ?? '1.0.0',
    });
  const recorded: Record<string, StepKey> = {
    raw: key('raw'),
    fit: key('fit', { inputs: { raw: 'v1' } }),
    other: key('other'),
    e: key('e', { inputs: { fit: 'run1', other: 'v9' } }),
    reg: key('reg', { inputs: { fit: 'run1' } }),
  };
  const runs = (plan: ReturnType<typeof planRerun>) => plan.filter((p) => p.run).map((p) => p.id);

  it('skips every step whose key is unchanged', () => {
    const plan = planRerun(g, recorded, { ...recorded });
    expect(runs(plan)).toEqual([]);
    expect(plan.map((p) => p.id)).toEqual(g.order);
  });

  it('reruns a changed step and everything downstream, saying why', () => {
    const plan = planRerun(g, recorded, {
      ...recorded,
      fit: key('fit', { config: { id: 'fit', trees: 9 }, inputs: { raw: 'v1' } }),
    });
    expect(runs(plan)).toEqual(['fit', 'e', 'reg']);
    const why = Object.fromEntries(plan.map((p) => [p.id, p.reasons.map(describeReason)]));
    expect(why.fit).toEqual([
      expect.stringMatching(/^config changed \([0-9a-f]{7} → [0-9a-f]{7}\)$/),
    ]);
    expect(why.e).toEqual(["'fit' reruns"]);
    expect(why.reg).toEqual(["'fit' reruns"]);
    expect(why.other).toEqual([]);
  });

  it('names a changed input and a new Lathe', () => {
    const plan = planRerun(g, recorded, {
      ...recorded,
      e: key('e', { inputs: { fit: 'run1', other: 'v10' } }),
      reg: key('reg', { inputs: { fit: 'run1' }, v: '1.1.0' }),
    });
    expect(runs(plan)).toEqual(['e', 'reg']);
    expect(plan.find((p) => p.id === 'e')!.reasons).toEqual([
      { kind: 'input', input: 'other', before: 'v9', after: 'v10' },
    ]);
    expect(plan.find((p) => p.id === 'reg')!.reasons.map(describeReason)).toEqual([
      'Lathe changed (1.0.0 → 1.1.0)',
    ]);
    const added = planRerun(g, recorded, {
      ...recorded,
      reg: key('reg', { inputs: { fit: 'run1', gate: 'g1' } }),
    });
    expect(added.find((p) => p.id === 'reg')!.reasons.map(describeReason)).toEqual([
      "new input 'gate'",
    ]);
  });

  it('runs steps never recorded, forced ones and their dependents', () => {
    const { reg: _reg, ...partial } = recorded;
    expect(planRerun(g, partial, recorded).filter((p) => p.run)).toEqual([
      { id: 'reg', run: true, reasons: [{ kind: 'new' }] },
    ]);
    const forced = planRerun(g, recorded, recorded, { force: ['raw'] });
    expect(runs(forced)).toEqual(['raw', 'fit', 'e', 'reg']);
    expect(forced.find((p) => p.id === 'e')!.reasons).toEqual([
      { kind: 'forced', by: 'raw' },
      { kind: 'upstream', step: 'fit' },
    ]);
    expect(describeReason({ kind: 'forced', by: 'raw' })).toBe('forced (--force raw)');
  });

  it('runs a step whose key cannot be computed yet', () => {
    const { e: _e, ...current } = recorded;
    const plan = planRerun(g, recorded, current);
    expect(plan.find((p) => p.id === 'e')).toEqual({
      id: 'e',
      run: true,
      reasons: [{ kind: 'unknown' }],
    });
  });
});
