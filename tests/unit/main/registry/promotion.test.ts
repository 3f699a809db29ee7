import { describe, expect, it } from 'vitest';
import type { EvaluationReport, GateResult, ModelVersion } from '../../../../shared/contract';
import { evaluationGates, gateChange } from '../../../../main/registry/promotion';

const version = (runId: string | null) =>
  ({ id: 'v-1', model: 'penguin', version: 3, runId }) as unknown as ModelVersion;

const report = (gates: GateResult[], passed: boolean | null) =>
  ({ id: '0123456789abcdef', gates, passed }) as unknown as EvaluationReport;

const gate = (g: Partial<GateResult> & Pick<GateResult, 'description' | 'passed'>) =>
  ({ observed: null, ...g }) as GateResult;

describe('evaluationGates', () => {
  it('fails a version with no evaluation, saying how to evaluate it or that an import needs an override', async () => {
    const none = evaluationGates(async () => null);
    expect(await none(version('run-1'), {})).toEqual({
      passed: false,
      failures: [
        'penguin@3 has no evaluation yet: evaluate it (Evaluate on the model page, or lathe eval penguin@3)',
      ],
    });
    expect(await none(version(null), {})).toEqual({
      passed: false,
      failures: [
        'penguin@3 is an imported ONNX model with no evaluation: promote it with an override reason',
      ],
    });
  });

  it('names each failed gate with what it observed, its detail and the evaluation it comes from', async () => {
    const check = evaluationGates(async (id) =>
      id === 'v-1'
        ? report(
            [
              gate({ description: 'accuracy >= 0.9', observed: 0.85, passed: false }),
              gate({ description: 'auc >= 0.8', observed: 0.91, passed: true }),
              gate({
                description: 'beats champion',
                observed: null,
                passed: false,
                detail: 'no champion rows',
              }),
            ],
            false,
          )
        : null,
    );
    expect(await check(version('run-1'), {})).toEqual({
      passed: false,
      failures: [
        'accuracy >= 0.9: observed 0.85 [evaluation 01234567]',
        'beats champion: observed n/a (no champion rows) [evaluation 01234567]',
      ],
    });
  });

  it('passes when every gate passed, and fails a report marked failed even with no failed gate', async () => {
    const passing = report(
      [gate({ description: 'auc >= 0.8', observed: 0.9, passed: true })],
      true,
    );
    expect(await evaluationGates(async () => passing)(version('run-1'), {})).toEqual({
      passed: true,
      failures: [],
    });
    const markedFailed = report([], false);
    expect(await evaluationGates(async () => markedFailed)(version('run-1'), {})).toEqual({
      passed: false,
      failures: [],
    });
  });
});

describe('evaluationGates with an evaluation made before the project had gates', () => {
  it('fails: the evaluation checked no gates, and says to evaluate the version again', async () => {
    const ungated = {
      ...report([], null),
      model: { name: 'penguin', version: 3 },
      runId: 'run-1aaaaaaaa',
    };
    const out = await evaluationGates(async () => ungated)(
      version('run-1'),
      { metrics: [{ metric: 'accuracy', min: 0.9 }] },
      { champion: null },
    );
    expect(out).toEqual({
      passed: false,
      failures: [
        'the evaluation checked no gates (the project had no gate policy then) [evaluation 01234567]: evaluate penguin@3 (Evaluate on the model page, or lathe eval penguin@3)',
      ],
    });
  });
});

describe('evaluationGates with an evaluation of the run a version came from', () => {
  const runReport = (r: Partial<EvaluationReport>) =>
    ({
      id: 'abcdef0123456789',
      runId: 'run-1aaaaaaaa',
      model: null,
      gates: [gate({ description: 'accuracy ≥ 0.8', observed: 0.9, passed: true })],
      passed: true,
      ...r,
    }) as unknown as EvaluationReport;

  it('counts it for the version when it was checked against the gates the model has', async () => {
    const check = evaluationGates(async () => runReport({ gateSection: null }));
    expect(await check(version('run-1'), { metrics: [] }, { champion: null })).toEqual({
      passed: true,
      failures: [],
    });
    const own = evaluationGates(async () => runReport({ gateSection: 'penguin' }));
    const policy = { models: { penguin: { metrics: [{ metric: 'accuracy', min: 0.8 }] } } };
    expect((await own(version('run-1'), policy, { champion: null })).passed).toBe(true);
  });

  it("refuses it when the model has its own gates and the run was checked against the project's", async () => {
    const check = evaluationGates(async () => runReport({ gateSection: null }));
    const policy = { models: { penguin: { metrics: [{ metric: 'accuracy', min: 0.99 }] } } };
    const out = await check(version('run-1'), policy, { champion: null });
    expect(out.passed).toBe(false);
    expect(out.failures[0]).toContain("'penguin' has its own gates");
    expect(out.failures[0]).toContain('lathe eval penguin@3');
  });

  it('refuses it when a champion gate applies and another version is champion (no comparison was made)', async () => {
    const check = evaluationGates(async () => runReport({ gateSection: null }));
    const policy = { champion: { test: 'bootstrap' } };
    const other = await check(version('run-1'), policy, { champion: 2 });
    expect(other.passed).toBe(false);
    expect(other.failures[0]).toContain('not compared with the champion (penguin@2)');
    expect((await check(version('run-1'), policy, { champion: null })).passed).toBe(true);
    expect((await check(version('run-1'), policy, { champion: 3 })).passed).toBe(true);
  });
});

describe('gateChange', () => {
  const failing = async () => ({ passed: false, failures: ['auc >= 0.8: observed 0.7'] });

  it('asks the gates only for a promotion: alias champion or stage production', async () => {
    let asked = 0;
    const counting = async () => {
      asked++;
      return { passed: false, failures: ['x'] };
    };
    expect(await gateChange(counting, version('run-1'), { alias: 'beta' }, undefined)).toEqual([]);
    expect(await gateChange(counting, version('run-1'), { stage: 'staging' }, undefined)).toEqual(
      [],
    );
    expect(asked).toBe(0);
    const passing = async () => ({ passed: true, failures: [] });
    expect(await gateChange(passing, version('run-1'), { alias: 'champion' }, undefined)).toEqual(
      [],
    );
  });

  it('refuses a failed promotion without an override, naming the change and every failure', async () => {
    await expect(
      gateChange(failing, version('run-1'), { alias: 'champion' }, undefined),
    ).rejects.toMatchObject({
      code: 'GATE_FAILED',
      message:
        "penguin@3 cannot take alias 'champion': auc >= 0.8: observed 0.7 (give an override reason to promote it anyway)",
      details: { model: 'penguin', version: 3, failures: ['auc >= 0.8: observed 0.7'] },
    });
    const silent = async () => ({ passed: false, failures: [] });
    await expect(
      gateChange(silent, version('run-1'), { stage: 'production' }, undefined),
    ).rejects.toMatchObject({
      message:
        "penguin@3 cannot take stage 'production': a promotion gate failed (give an override reason to promote it anyway)",
    });
  });

  it('lets an override through, returning the failures it passed', async () => {
    expect(await gateChange(failing, version('run-1'), { stage: 'production' }, 'hotfix')).toEqual([
      'auc >= 0.8: observed 0.7',
    ]);
  });
});
