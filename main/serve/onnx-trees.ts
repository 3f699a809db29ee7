// A gradient-boosted tree ensemble (model/gbdt.json, train/gbdt/tree-model.ts) → ONNX ModelProto bytes, with
// the ai.onnx.ml tree operators and the same interface as the MLP export (onnx-export.ts): input `features`
// float32 [N, width], and
//   binary      `probabilities` [N, 2] = (1 − p, p), p = sigmoid(logit)   TreeEnsembleClassifier, LOGISTIC
//   multiclass  `probabilities` [N, k] = softmax(logits)                   TreeEnsembleClassifier, SOFTMAX
//   regression  `value`         [N, 1] = raw · std + mean                  TreeEnsembleRegressor
// plus, for classes, `label` int64 [N]: the index of the most probable class (no ZipMap: the server, batch
// prediction and monitoring read `probabilities` as a tensor).
//
// Precision: onnxruntime's tree kernels compare and accumulate in the input's type (float for float
// input). The graph therefore casts `features` to double first (exact: every float32 is a double) and
// stores thresholds, leaf values and base scores as double tensors (the `*_as_tensor` attributes), so the
// sums are float64 as in predictRaw and only the output is rounded to float32. A float32 threshold read as a
// double compares a float32 input exactly as `x <= t` does in float32.
//
// Binary models: every leaf votes −v for class 0 and +v for class 1, the base score b added to the first
// tree's leaves, and LOGISTIC maps the two sums to (sigmoid(−s), sigmoid(s)) = (1 − p, p). onnxruntime's
// other encodings are traps: votes for class 1 only take its "binary case", whose second column depends on
// the signs of the leaf values, and two base values make class 1's score base_values[1] + class 0's votes.
//
// Splits: a numeric one is BRANCH_LEQ (true = left) with nodes_missing_value_tracks_true from defaultLeft.
// A categorical one tests the codes that go left: up to 8 as a chain of BRANCH_EQ nodes sharing one true
// child, more as a balanced search over their runs of consecutive codes (onnxruntime 1.30 walks an
// equality chain node by node: on 300-category features the search scores about twice as fast). A
// missing code (NaN, or negative: the ordinal encoder writes -1 for null and unseen) follows defaultLeft.
// See writeTree for the layout rule onnxruntime imposes on shared subtrees.
import { z } from 'zod';
import type { StoredTarget } from '../evaluate/predict';
import { GBDT_FORMAT, type GbdtModel, type Tree } from '../train/gbdt/tree-model';
import { ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, onnxOutputName } from './onnx-export';
import { encodeModel, type OnnxNode } from './onnx-proto';

/** The ai.onnx.ml opset of the tree operators (TreeEnsembleClassifier/Regressor version 3). */
export const ONNX_ML_OPSET = 3;
export const ONNX_ML_DOMAIN = 'ai.onnx.ml';
/** Category sets up to this size are written as chains of equalities, larger ones as a search. */
const SMALL_SET = 8;
/** The classifier's label output: the index of the most probable class. */
export const ONNX_LABEL_OUTPUT = 'label';

export interface TreeExportInput {
  model: GbdtModel;
  /** target.json of the run. */
  target: StoredTarget;
  /** Recorded in the model's metadata_props and doc string. */
  producerVersion: string;
  metadata?: Record<string, string>;
}

const TreeFile = z.object({
  feature: z.array(z.number().int()),
  threshold: z.array(z.number()),
  categories: z.array(z.array(z.number()).nullable()),
  defaultLeft: z.array(z.boolean()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  value: z.array(z.number()),
  cover: z.array(z.number()),
  gain: z.array(z.number()),
}) satisfies z.ZodType<Tree>;

/** model/gbdt.json as training writes it (train/gbdt/tree-model.ts); the export checks the rest. */
export const GbdtModelFile = z.object({
  format: z.literal(GBDT_FORMAT),
  formatVersion: z.literal(1),
  task: z.enum(['binary', 'multiclass', 'regression']),
  objective: z.enum(['logistic', 'softmax', 'squared_error', 'absolute_error', 'huber']),
  features: z.array(z.string()),
  categorical: z.array(z.number().int()),
  outputs: z.number().int().positive(),
  baseScore: z.array(z.number()),
  trees: z.array(TreeFile),
  roundsTrained: z.number().int().nonnegative(),
}) satisfies z.ZodType<GbdtModel>;

function exportError(message: string): Error {
  return new Error(`[OnnxTrees] ${message}`);
}

/** The flat node tables of the ONNX tree attributes, filled tree by tree. */
class NodeTables {
  treeIds: number[] = [];
  nodeIds: number[] = [];
  featureIds: number[] = [];
  modes: string[] = [];
  values: number[] = [];
  trueIds: number[] = [];
  falseIds: number[] = [];
  missingTrue: number[] = [];
  /** Leaf votes: tree, node, output (class or target) and weight. */
  voteTrees: number[] = [];
  voteNodes: number[] = [];
  voteIds: number[] = [];
  voteWeights: number[] = [];

  /** Appends a node of tree `tree` and returns its id (ids count from 0 within each tree). */
  add(tree: number, id: number, feature: number, mode: string, value: number, missing: boolean) {
    this.treeIds.push(tree);
    this.nodeIds.push(id);
    this.featureIds.push(feature);
    this.modes.push(mode);
    this.values.push(value);
    this.trueIds.push(0);
    this.falseIds.push(0);
    this.missingTrue.push(missing ? 1 : 0);
    return this.treeIds.length - 1;
  }

  link(row: number, trueId: number, falseId: number): void {
    this.trueIds[row] = trueId;
    this.falseIds[row] = falseId;
  }

  vote(tree: number, node: number, id: number, weight: number): void {
    this.voteTrees.push(tree);
    this.voteNodes.push(node);
    this.voteIds.push(id);
    this.voteWeights.push(weight);
  }
}

/** Checks the parts of a tree the export relies on; errors name the tree and node. */
function checkTree(tree: Tree, t: number, width: number): void {
  const n = tree.feature.length;
  const where = (i: number) => `tree ${t} node ${i}`;
  for (const key of ['threshold', 'categories', 'defaultLeft', 'left', 'right', 'value'] as const) {
    if (tree[key].length !== n)
      throw exportError(`tree ${t}: ${key} has ${tree[key].length} entries for ${n} nodes`);
  }
  for (let i = 0; i < n; i++) {
    const f = tree.feature[i]!;
    if (f < 0) {
      if (!Number.isFinite(tree.value[i]))
        throw exportError(`${where(i)}: leaf value ${tree.value[i]} is not finite`);
      continue;
    }
    if (f >= width) throw exportError(`${where(i)}: feature ${f} of ${width}`);
    for (const child of [tree.left[i]!, tree.right[i]!])
      if (!(Number.isInteger(child) && child > 0 && child < n))
        throw exportError(`${where(i)}: child ${child} is not a node of the tree`);
    const cats = tree.categories[i];
    if (cats) {
      if (cats.some((c) => !Number.isInteger(c) || c < 0))
        throw exportError(`${where(i)}: categories must be codes >= 0, got ${cats.join(', ')}`);
    } else if (Number.isNaN(tree.threshold[i])) throw exportError(`${where(i)}: threshold is NaN`);
  }
}

/**
 * Writes one tree's nodes; `vote` records a leaf's weights. Node ids count from 0 in depth-first order, a
 * split before its subtrees.
 */
function writeTree(
  tables: NodeTables,
  tree: Tree,
  t: number,
  isCategorical: boolean[],
  vote: (leafId: number, value: number | null) => void,
): void {
  let next = 0;
  const seen = new Uint8Array(tree.feature.length);
  // Writes model node `node` and its subtrees; returns the ONNX id its parent links to.
  const emit = (node: number): number => {
    if (seen[node]) throw exportError(`tree ${t}: node ${node} is reached twice`);
    seen[node] = 1;
    const f = tree.feature[node]!;
    if (f < 0) {
      const id = next++;
      tables.add(t, id, 0, 'LEAF', 0, false);
      vote(id, tree.value[node]!);
      return id;
    }
    const defaultLeft = tree.defaultLeft[node]!;
    const cats = tree.categories[node];
    if (!isCategorical[f] && !cats) {
      const id = next++;
      const row = tables.add(t, id, f, 'BRANCH_LEQ', tree.threshold[node]!, defaultLeft);
      const l = emit(tree.left[node]!);
      const r = emit(tree.right[node]!);
      tables.link(row, l, r);
      return id;
    }
    // A split on a categorical feature. The codes that go left, as runs of consecutive codes, become a
    // balanced search over the runs (x < start → earlier runs; x <= end → left; else later runs): about
    // 2·log2(runs) comparisons where a chain of equalities costs one per code (onnxruntime 1.30 walks
    // such chains node by node). Codes are integers, so "in a run" is "in the set". A NaN or negative code
    // goes the default way: through a BRANCH_LT 0 guard (missing tracks true) in front when that is left;
    // when it is right, every comparison of the search fails for it or sends it below the first run.
    //
    // Both subtrees are entered from several nodes. onnxruntime lays a tree out with each node's false
    // child right after it, so a shared subtree may be entered by true edges only: a false edge to it
    // goes through a hop, x <= +Infinity (missing tracks true), whose true edge enters it; the hop's
    // false child is a leaf no row reaches.
    //
    // A set of at most SMALL_SET codes (one-hot-like splits) stays a chain of BRANCH_EQ nodes sharing their
    // true child, the last one's false edge entering the right subtree first (no hop needed).
    type Target = 'left' | 'right' | number;
    const links: { row: number; onTrue: Target; onFalse: Target; direct?: boolean }[] = [];
    const add = (mode: string, value: number, missing: boolean) => {
      const id = next++;
      return { id, row: tables.add(t, id, f, mode, value, missing) };
    };
    let head: Target;
    if (cats && cats.length <= SMALL_SET) {
      const eqs = cats.map((c) => add('BRANCH_EQ', c, defaultLeft));
      const guard = defaultLeft ? add('BRANCH_LT', 0, true) : null;
      eqs.forEach((eq, i) => {
        const after = eqs[i + 1]?.id ?? guard?.id;
        links.push({ row: eq.row, onTrue: 'left', onFalse: after ?? 'right', direct: true });
      });
      if (guard) links.push({ row: guard.row, onTrue: 'left', onFalse: 'right', direct: true });
      head = eqs[0]?.id ?? guard?.id ?? 'right';
    } else if (cats) {
      const runs: [number, number][] = [];
      for (const c of [...new Set(cats)].sort((a, b) => a - b)) {
        const last = runs[runs.length - 1];
        if (last && c === last[1] + 1) last[1] = c;
        else runs.push([c, c]);
      }
      const search = (lo: number, hi: number): Target => {
        if (lo > hi) return 'right';
        const mid = (lo + hi) >> 1;
        const below = add('BRANCH_LT', runs[mid]![0], false);
        const within = add('BRANCH_LEQ', runs[mid]![1], false);
        links.push({ row: below.row, onTrue: search(lo, mid - 1), onFalse: within.id });
        links.push({ row: within.row, onTrue: 'left', onFalse: search(mid + 1, hi) });
        return below.id;
      };
      if (defaultLeft) {
        const guard = add('BRANCH_LT', 0, true);
        links.push({ row: guard.row, onTrue: 'left', onFalse: search(0, runs.length - 1) });
        head = guard.id;
      } else head = search(0, runs.length - 1);
    } else {
      // A threshold on codes: negative or NaN → default side; otherwise x <= threshold.
      const guard = add('BRANCH_LT', 0, true);
      const leq = add('BRANCH_LEQ', tree.threshold[node]!, false);
      links.push({ row: guard.row, onTrue: defaultLeft ? 'left' : 'right', onFalse: leq.id });
      links.push({ row: leq.row, onTrue: 'left', onFalse: 'right' });
      head = guard.id;
    }
    if (head === 'right') return emit(tree.right[node]!); // no code goes left, missing goes right
    const l = emit(tree.left[node]!);
    const r = emit(tree.right[node]!);
    const resolve = (x: Target) => (x === 'left' ? l : x === 'right' ? r : x);
    for (const x of links) {
      let onFalse = resolve(x.onFalse);
      if (typeof x.onFalse === 'string' && !x.direct) {
        const hop = next++;
        const row = tables.add(t, hop, f, 'BRANCH_LEQ', Infinity, true);
        const dead = next++;
        tables.add(t, dead, 0, 'LEAF', 0, false);
        vote(dead, null);
        tables.link(row, onFalse, dead);
        onFalse = hop;
      }
      tables.link(x.row, resolve(x.onTrue), onFalse);
    }
    return head as number;
  };
  emit(0);
}

/**
 * The ONNX ModelProto of a trained tree ensemble, with the output head described at the top of this file.
 * Throws when the model does not fit the target (outputs per row, task) or is malformed.
 */
export function exportTreesOnnx(input: TreeExportInput): Uint8Array<ArrayBuffer> {
  const { model, target } = input;
  const width = model.features.length;
  if (width < 1) throw exportError('the model has no features');
  const k = model.outputs;
  if (model.baseScore.length !== k)
    throw exportError(`baseScore has ${model.baseScore.length} values for ${k} outputs`);
  if (model.trees.length % k !== 0)
    throw exportError(`${model.trees.length} trees is not a whole number of rounds of ${k}`);
  const classes = target.kind === 'classes' ? target.classes : null;
  if (classes) {
    const want = classes.length === 2 ? 1 : classes.length;
    if (k !== want)
      throw exportError(
        `target with ${classes.length} classes needs ${want} output${want > 1 ? 's' : ''} per row, the model gives ${k}`,
      );
  } else if (k !== 1)
    throw exportError(`regression target: the model gives ${k} outputs per row, expected 1`);
  if (model.task !== target.task)
    throw exportError(`the model was trained for ${model.task}, target.json says ${target.task}`);
  const isCategorical = model.features.map(() => false);
  for (const c of model.categorical) {
    if (!(c >= 0 && c < width)) throw exportError(`categorical feature index ${c} of ${width}`);
    isCategorical[c] = true;
  }
  model.trees.forEach((tree, t) => checkTree(tree, t, width));

  // Regression leaves carry the target's units: v · std, the base score b · std + mean.
  const scale = target.kind === 'regression' ? target.std : 1;
  const shift = target.kind === 'regression' ? target.mean : 0;
  const binary = classes?.length === 2;
  const tables = new NodeTables();
  // An ensemble with no trees still needs a tree: one leaf voting 0.
  const trees: Tree[] = model.trees.length
    ? model.trees
    : Array.from({ length: k }, () => ({
        feature: [-1],
        threshold: [0],
        categories: [null],
        defaultLeft: [false],
        left: [-1],
        right: [-1],
        value: [0],
        cover: [0],
        gain: [0],
      }));
  trees.forEach((tree, t) =>
    writeTree(tables, tree, t, isCategorical, (id, value) => {
      // null: a leaf no row reaches (see writeTree's hops), voting 0.
      if (binary) {
        const v = value === null ? 0 : t === 0 ? value + model.baseScore[0]! : value;
        tables.vote(t, id, 0, -v);
        tables.vote(t, id, 1, v);
      } else tables.vote(t, id, t % k, (value ?? 0) * scale);
    }),
  );
  // Binary: no base values (the base score is in the first tree's leaves). With two, onnxruntime
  // computes class 1's score as base_values[1] + class 0's votes (tree_ensemble_aggregator.h).
  const base = binary ? [] : model.baseScore.map((b) => b * scale + shift);

  const doubles = (name: string, values: number[]) => ({
    tensor: { name, dims: [values.length], data: Float64Array.from(values) },
  });
  const nodeAttributes: OnnxNode['attributes'] = {
    nodes_treeids: { ints: tables.treeIds },
    nodes_nodeids: { ints: tables.nodeIds },
    nodes_featureids: { ints: tables.featureIds },
    nodes_modes: { strings: tables.modes },
    nodes_values_as_tensor: doubles('nodes_values', tables.values),
    nodes_truenodeids: { ints: tables.trueIds },
    nodes_falsenodeids: { ints: tables.falseIds },
    nodes_missing_value_tracks_true: { ints: tables.missingTrue },
    ...(base.length ? { base_values_as_tensor: doubles('base_values', base) } : {}),
  };
  const output = onnxOutputName(target);
  const cast = 'features_double';
  const nodes: OnnxNode[] = [
    // TensorProto.DataType DOUBLE = 11.
    {
      op: 'Cast',
      inputs: [ONNX_INPUT],
      outputs: [cast],
      name: 'Cast_0',
      attributes: { to: { int: 11 } },
    },
  ];
  let outWidth: number;
  if (classes) {
    outWidth = classes.length;
    nodes.push({
      op: 'TreeEnsembleClassifier',
      domain: ONNX_ML_DOMAIN,
      inputs: [cast],
      outputs: [ONNX_LABEL_OUTPUT, output],
      name: 'TreeEnsembleClassifier_1',
      attributes: {
        ...nodeAttributes,
        class_treeids: { ints: tables.voteTrees },
        class_nodeids: { ints: tables.voteNodes },
        class_ids: { ints: tables.voteIds },
        class_weights_as_tensor: doubles('class_weights', tables.voteWeights),
        classlabels_int64s: { ints: classes.map((_, i) => i) },
        post_transform: { string: binary ? 'LOGISTIC' : 'SOFTMAX' },
      },
    });
  } else {
    outWidth = 1;
    nodes.push({
      op: 'TreeEnsembleRegressor',
      domain: ONNX_ML_DOMAIN,
      inputs: [cast],
      outputs: [output],
      name: 'TreeEnsembleRegressor_1',
      attributes: {
        ...nodeAttributes,
        n_targets: { int: 1 },
        target_treeids: { ints: tables.voteTrees },
        target_nodeids: { ints: tables.voteNodes },
        target_ids: { ints: tables.voteIds },
        target_weights_as_tensor: doubles('target_weights', tables.voteWeights),
        aggregate_function: { string: 'SUM' },
        post_transform: { string: 'NONE' },
      },
    });
  }

  const rounds = model.trees.length / k;
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    domainOpsets: { [ONNX_ML_DOMAIN]: ONNX_ML_OPSET },
    producerName: 'lathe',
    producerVersion: input.producerVersion,
    doc: `Lathe ${target.task} gradient-boosted trees (${rounds} rounds) on target '${target.column}': ${ONNX_INPUT} [N, ${width}] → ${output} [N, ${outWidth}]`,
    graph: {
      name: 'lathe_gbdt',
      nodes,
      initializers: [],
      inputs: [
        { name: ONNX_INPUT, shape: ['N', width], doc: 'fitted feature values, after selection' },
      ],
      outputs: [
        {
          name: output,
          shape: ['N', outWidth],
          doc: classes
            ? `probability per class: ${classes.join(', ')}`
            : `predicted ${target.column}`,
        },
        ...(classes
          ? [
              {
                name: ONNX_LABEL_OUTPUT,
                elem: 'int64' as const,
                shape: ['N'],
                doc: `index of the most probable class in: ${classes.join(', ')}`,
              },
            ]
          : []),
      ],
    },
    metadata: {
      task: target.task,
      target: target.column,
      algorithm: 'gbdt',
      ...(classes ? { classes: JSON.stringify(classes) } : {}),
      ...input.metadata,
    },
  });
}
