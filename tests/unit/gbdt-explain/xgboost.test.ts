// Lathe's TreeSHAP and raw predictions against XGBoost 1.7 on models XGBoost trained (binary with a base
// score, multiclass, regression at depth 6, categorical splits; NaNs in the features): each model's JSON
// dump is converted to a GbdtModel, then predictRaw must equal xgboost's output_margin and treeShap its
// pred_contribs, within 1e-5. Skipped, saying why, where /usr/bin/python3 cannot import xgboost.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emptyTree,
  predictRaw,
  type GbdtModel,
  type Tree,
} from '../../../main/train/gbdt/tree-model';
import { treeShap } from '../../../main/train/gbdt/tree-shap';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import xgboost, pandas'], { encoding: 'utf8' });
const missing =
  probe.status === 0
    ? null
    : `xgboost/pandas not importable by ${PYTHON} (apt-get install python3-xgboost python3-pandas): ${
        (probe.stderr ?? String(probe.error)).trim().split('\n').pop() ?? ''
      }`;

interface DumpNode {
  nodeid: number;
  split?: string;
  split_condition?: number | number[];
  yes?: number;
  no?: number;
  missing?: number;
  gain?: number;
  cover: number;
  leaf?: number;
  children?: DumpNode[];
}

interface Case {
  name: string;
  objective: string;
  outputs: number;
  baseMargin: number;
  features: string[];
  categorical: number[];
  trees: DumpNode[];
  x: (number | null)[][];
  margin: number[] | number[][];
  contribs: number[][] | number[][][];
}

/** The largest float32 below `v`: XGBoost goes left when x < v, Lathe when x <= threshold. */
export function float32Below(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  if (f[0] === 0)
    bits[0] = -2147483647; // -(smallest subnormal)
  else if (f[0]! > 0) bits[0]!--;
  else bits[0]!++;
  return f[0]!;
}

function convertTree(root: DumpNode, features: string[]): Tree {
  const nodes: DumpNode[] = [];
  const visit = (n: DumpNode) => {
    nodes[n.nodeid] = n;
    n.children?.forEach(visit);
  };
  visit(root);
  const t: Tree = emptyTree();
  nodes.forEach((n, i) => {
    expect(n, `node ${i} of a dumped tree`).toBeDefined();
    t.cover.push(n.cover);
    if (n.leaf !== undefined) {
      t.feature.push(-1);
      t.threshold.push(0);
      t.categories.push(null);
      t.defaultLeft.push(false);
      t.left.push(-1);
      t.right.push(-1);
      t.value.push(n.leaf);
      t.gain.push(0);
      return;
    }
    const f = features.indexOf(n.split!);
    expect(f, `feature ${n.split}`).toBeGreaterThanOrEqual(0);
    t.feature.push(f);
    const cond = n.split_condition!;
    // XGBoost's `yes` child takes x < cond, or a category in the list.
    t.threshold.push(Array.isArray(cond) ? 0 : float32Below(cond));
    t.categories.push(Array.isArray(cond) ? [...cond].sort((a, b) => a - b) : null);
    t.defaultLeft.push(n.missing === n.yes);
    t.left.push(n.yes!);
    t.right.push(n.no!);
    t.value.push(0);
    t.gain.push(n.gain ?? 0);
  });
  return t;
}

function modelOf(c: Case): GbdtModel {
  const task =
    c.outputs > 1 ? 'multiclass' : c.objective.startsWith('binary') ? 'binary' : 'regression';
  return {
    format: 'lathe-gbdt',
    formatVersion: 1,
    task,
    objective: task === 'multiclass' ? 'softmax' : task === 'binary' ? 'logistic' : 'squared_error',
    features: c.features,
    categorical: c.categorical,
    outputs: c.outputs,
    baseScore: Array.from({ length: c.outputs }, () => c.baseMargin),
    trees: c.trees.map((t) => convertTree(t, c.features)),
    roundsTrained: c.trees.length / c.outputs,
  };
}

let dir = '';
let cases: Case[] = [];
beforeAll(() => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'lathe-xgb-'));
  const out = join(dir, 'reference.json');
  const run = spawnSync(PYTHON, [join(__dirname, 'xgboost-reference.py'), out], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`xgboost-reference.py failed: ${run.stderr}`);
  cases = (JSON.parse(readFileSync(out, 'utf8')) as { cases: Case[] }).cases;
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing !== null)(
  `TreeSHAP against XGBoost 1.7${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it.each(['binary', 'multiclass', 'regression', 'categorical'])(
      '%s: raw outputs equal output_margin and contributions equal pred_contribs within 1e-5',
      (name) => {
        const c = cases.find((x) => x.name === name)!;
        expect(c, `case ${name} in the reference`).toBeDefined();
        const model = modelOf(c);
        const rows = c.x.length;
        const width = c.features.length;
        const x = new Float32Array(rows * width);
        c.x.forEach((row, r) => row.forEach((v, j) => (x[r * width + j] = v ?? NaN)));
        expect(x.some((v) => Number.isNaN(v))).toBe(true);

        const raw = predictRaw(model, x, rows);
        const k = model.outputs;
        const margins = c.margin.flat();
        expect(margins).toHaveLength(rows * k);
        let worstRaw = 0;
        margins.forEach((m, i) => (worstRaw = Math.max(worstRaw, Math.abs(raw[i]! - m))));
        expect(worstRaw).toBeLessThan(1e-5);

        const phi = treeShap(model, x, rows);
        const expected = c.contribs.flat(2);
        expect(phi).toHaveLength(expected.length);
        let worst = 0;
        let at = 0;
        for (let i = 0; i < expected.length; i++) {
          const d = Math.abs(phi[i]! - expected[i]!);
          if (d > worst) [worst, at] = [d, i];
        }
        expect(
          worst,
          `worst at row ${Math.floor(at / (k * (width + 1)))}, slot ${at % (k * (width + 1))}`,
        ).toBeLessThan(1e-5);
        // Contributions are not all in the bias: features carry real shares.
        expect(expected.some((v, i) => i % (width + 1) !== width && Math.abs(v) > 0.01)).toBe(true);
      },
    );
  },
);
