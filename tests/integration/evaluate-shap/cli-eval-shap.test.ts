import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { importPenguins, penguinsConfig, trainRun, withServices } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-cli-eval-shap-');
const ws = join(t.dir, 'ws');
let runId = '';

beforeAll(async () => {
  runId = await withServices(ws, async (services) => {
    await importPenguins(services);
    const run = await trainRun(
      services,
      penguinsConfig({
        model: { type: 'gbdt', trees: 10, maxDepth: 3, threads: 1 },
        training: { validationFraction: 0.25 },
        split: { testFraction: 0.3 },
      }),
    );
    return run.id;
  });
}, 180_000);

afterAll(() => t.remove());

describe('lathe eval of a gradient-boosted run', () => {
  it('prints the inputs by mean |SHAP| beside the metrics; --json carries the explanations', () => {
    const text = lathe(['eval', runId, '--repeats', '0', '--workspace', ws]);
    expect(text.code, text.stderr).toBe(0);
    const line = text.stdout.split('\n').find((l) => l.startsWith('TreeSHAP'));
    expect(line).toMatch(
      /^TreeSHAP, mean \|SHAP\| \(log-odds \(softmax logit\) per class, summed over classes; (\d+) of \1 rows\): \S/,
    );

    const json = lathe(['eval', runId, '--repeats', '0', '--workspace', ws, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = json.json as EvaluationReport;
    const e = report.explanations!;
    expect(e.outputs).toHaveLength(3);
    // The printed ranking is the report's, top input first with its summed mean |SHAP|.
    const top = e.features[0]!;
    expect(line).toContain(`rows): ${top.feature} `);
  });
});
