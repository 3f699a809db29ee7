// The params a training records on its run: what was resolved from the config and the data (batch size,
// features, split, selection, engine, early stopping, class weights, dropped columns).
import type { TrainConfig } from '../../shared/contract';
import type { TrainingData } from './dataset';
import type { EngineName, FitResult } from './fit';
import { gbdtParams } from './gbdt/gbdt-fit';
import type { SelectionResult } from './selection';

export interface RunParamsInput {
  config: TrainConfig;
  data: TrainingData;
  batchSize: number;
  /** The features the model was trained on (after selection). */
  names: string[];
  selection: SelectionResult | null;
  engine: EngineName | 'gbdt';
  earlyStop: FitResult['earlyStop'];
  /** Per-class loss weights in class order, or null. */
  classWeights: number[] | null;
}

/** The run's params, as strings. */
export function runParams({
  config,
  data,
  batchSize,
  names,
  selection,
  engine,
  earlyStop,
  classWeights,
}: RunParamsInput): Record<string, string> {
  const classes = data.target.kind === 'classes' ? data.target.classes : [];
  return {
    ...(engine === 'gbdt'
      ? gbdtRunParams(config, classes.length)
      : { 'training.batchSize': String(batchSize), optimizer: 'adam' }),
    features: data.features.join(','),
    'featureSpec.hash': data.fitted.specHash,
    'featureSpec.source': config.featureSpec ? 'config' : 'default',
    'split.method': data.rule.method,
    ...(data.rule.column ? { 'split.column': data.rule.column } : {}),
    'split.testFraction': String(data.rule.testFraction),
    ...(selection
      ? {
          'selection.method': selection.method,
          'selection.kept': String(selection.kept.length),
          'selection.dropped': String(selection.dropped.length),
        }
      : {}),
    inputDim: String(names.length),
    'training.engine': engine,
    ...(earlyStop
      ? {
          'earlyStopping.bestEpoch': String(earlyStop.bestEpoch),
          'earlyStopping.stoppedEpoch': String(earlyStop.stoppedEpoch),
        }
      : {}),
    ...(classWeights
      ? {
          'training.classWeights.resolved': classes
            .map((c, i) => `${c}:${Number(classWeights[i]!.toPrecision(6))}`)
            .join(','),
        }
      : {}),
    ...Object.fromEntries(data.dropped.map((d) => [`dropped.${d.column}`, d.reason])),
  };
}

/** A GBDT's options as trained, defaults resolved (threads is where it trained; the trees do not vary). */
function gbdtRunParams(config: TrainConfig, classes: number): Record<string, string> {
  const p = gbdtParams(config, config.task === 'multiclass' ? classes : 1);
  return {
    'model.trees': String(p.trees),
    'model.learningRate': String(p.learningRate),
    'model.maxDepth': String(p.maxDepth),
    ...(p.growth === 'leafwise' ? { 'model.maxLeaves': String(p.maxLeaves) } : {}),
    'model.growth': p.growth,
    'model.minChildWeight': String(p.minChildWeight),
    'model.minSplitGain': String(p.minSplitGain),
    'model.l1': String(p.l1),
    'model.l2': String(p.l2),
    'model.subsample': String(p.subsample),
    'model.colsample': String(p.colsample),
    'model.maxBins': String(p.maxBins),
    'model.objective': p.objective,
    ...(p.objective === 'huber' ? { 'model.huberDelta': String(p.huberDelta) } : {}),
    'model.threads': String(p.threads),
  };
}
