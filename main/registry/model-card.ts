import {
  notServable,
  servableSignature,
  type EvaluationReport,
  type ModelCard,
  type ModelSignature,
  type ModelVersion,
  type Run,
} from '../../shared/contract';
import type { RunModelFiles } from './signature';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** A first model card drawn from the run: what it predicts, from which data, how well, and its caveats. */
export function generateCard(
  version: ModelVersion,
  run: Run,
  files: RunModelFiles,
  rows: number,
  /** The version's latest evaluation: its held-out metrics and fairness results go into the card. */
  evaluation: EvaluationReport | null = null,
): ModelCard {
  const { lineage } = version;
  if (!lineage) return generateImportedCard(version, evaluation);
  const signature = servableSignature(version);
  const what = predicts(signature);
  const metricRows = Object.entries(version.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `| ${k} | ${fmt(v)} |`);
  const split = run.params['split.method'];
  const warnings = run.warnings.map((w) => `- ${w}`);
  return {
    intendedUse: [
      `Predicts ${what} from ${signature.inputs.length} input column(s): ${signature.inputs.map((i) => `\`${i.name}\``).join(', ')}.`,
      `A ${run.modelType} model trained by run ${run.id} (${run.name}). State who should use it, for which decisions, and which uses are out of scope.`,
    ].join('\n\n'),
    trainingData: [
      `Dataset \`${lineage.dataset}@${lineage.datasetVersion}\` (${rows.toLocaleString('en-US')} rows, content hash \`${lineage.datasetHash.slice(0, 12)}\`).`,
      `The feature spec was fitted on ${files.fitted.trainRows.toLocaleString('en-US')} training rows${split ? `; split: ${split}` : ''}${
        run.config.training?.validationFraction !== undefined
          ? `, validation fraction ${run.config.training.validationFraction}`
          : ''
      }.`,
    ].join('\n\n'),
    metrics: evaluation
      ? evaluationMetrics(evaluation)
      : metricRows.length
        ? [
            'Final metrics of the run (validation split):',
            '',
            '| metric | value |',
            '| --- | --- |',
            ...metricRows,
          ].join('\n')
        : 'The run recorded no metrics.',
    fairness: evaluation?.fairness.length
      ? evaluationFairness(evaluation)
      : 'No fairness results recorded yet: evaluate the model with a sensitive column (lathe eval NAME@VERSION --sensitive COLUMN).',
    limitations: [
      `Only valid for inputs like the training data (\`${lineage.dataset}@${lineage.datasetVersion}\`); columns missing at prediction time are imputed as in training.`,
      ...(warnings.length ? ['', 'Warnings raised while training:', '', ...warnings] : []),
    ].join('\n'),
    sections: [],
  };
}

/** What a model predicts, for a card: the target's value, or its classes. */
function predicts(signature: ModelSignature): string {
  const out = signature.output;
  return out.task === 'regression'
    ? `the value of \`${out.target}\``
    : `\`${out.target}\` (${out.task}: ${(out.classes ?? []).map((c) => `\`${c}\``).join(', ')})`;
}

/** A first model card for an imported ONNX model: what its signature declares, and what Lathe cannot know. */
export function generateImportedCard(
  version: ModelVersion,
  evaluation: EvaluationReport | null = null,
): ModelCard {
  const { source } = version;
  const unservable = notServable(version);
  if (unservable !== null)
    return {
      intendedUse: `Registered through MLflow's model registry${source.kind === 'mlflow' ? ` from \`${source.uri}\`` : ''}. ${unservable}.`,
      trainingData:
        'Trained outside Lathe: the training data is not recorded. Describe it here (source, period, rows, known gaps).',
      metrics: 'No metrics recorded: Lathe holds no model of this version to evaluate.',
      fairness: 'No fairness results recorded.',
      limitations: 'Lathe cannot serve, batch-score, evaluate or export this version.',
      sections: [],
    };
  const signature = servableSignature(version);
  const what = predicts(signature);
  const file =
    source.kind === 'import' ? `\`${source.file}\` (sha256 \`${source.sha256}\`)` : 'an ONNX file';
  return {
    intendedUse: [
      `Predicts ${what} from ${signature.inputs.length} input(s): ${signature.inputs.map((i) => `\`${i.name}\``).join(', ')}.`,
      `An ONNX model trained outside Lathe, imported from ${file}. State who should use it, for which decisions, and which uses are out of scope.`,
    ].join('\n\n'),
    trainingData:
      'Trained outside Lathe: the training data is not recorded. Describe it here (source, period, rows, known gaps).',
    metrics: evaluation
      ? evaluationMetrics(evaluation)
      : 'No metrics recorded: the model was imported, not trained here.',
    fairness: evaluation?.fairness.length
      ? evaluationFairness(evaluation)
      : 'No fairness results recorded for this imported model.',
    limitations:
      'Lathe checked the ONNX graph against the declared signature (input and output names, element types, ranks) and scored one row; it cannot vouch for how the model was trained or validated.',
    sections: [],
  };
}

const cell = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmt(v));

/** The held-out metrics of an evaluation beside its baseline, with the gates it was checked against. */
function evaluationMetrics(e: EvaluationReport): string {
  const keys = Object.keys(e.metrics).filter((k) => e.metrics[k] !== null);
  return [
    `Evaluation \`${e.id.slice(0, 8)}\` on ${e.rows.toLocaleString('en-US')} rows of \`${e.dataset}\` (${e.split}), ${e.createdAt.slice(0, 10)}; baseline: ${e.baseline.kind}.`,
    '',
    '| metric | model | baseline |',
    '| --- | --- | --- |',
    ...keys.map((k) => `| ${k} | ${cell(e.metrics[k])} | ${cell(e.baseline.metrics[k])} |`),
    ...(e.gates.length
      ? [
          '',
          'Gates:',
          '',
          ...e.gates.map(
            (g) =>
              `- ${g.passed ? 'pass' : 'FAIL'}: ${g.description} (observed ${cell(g.observed)})`,
          ),
        ]
      : []),
  ].join('\n');
}

/** Per sensitive column: the four gaps and each group's rates. */
function evaluationFairness(e: EvaluationReport): string {
  return e.fairness
    .map((f) =>
      [
        `By \`${f.column}\` (favourable decision: ${f.positiveClass ?? '—'}): demographic parity difference ${cell(f.demographicParityDifference)}, disparate impact ratio ${cell(f.disparateImpactRatio)}, equal opportunity difference ${cell(f.equalOpportunityDifference)}, equalized odds difference ${cell(f.equalizedOddsDifference)}.`,
        '',
        '| group | rows | selection rate | TPR | FPR | accuracy |',
        '| --- | --- | --- | --- | --- | --- |',
        ...f.groups.map(
          (g) =>
            `| ${g.group} | ${g.count} | ${cell(g.selectionRate)} | ${cell(g.truePositiveRate)} | ${cell(g.falsePositiveRate)} | ${cell(g.accuracy)} |`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

/**
 * Markdown any viewer shows as text: `&`, `<` and `>` as entities, so no raw HTML survives (a name, a
 * class label or a user's card holding `<script>` or `<img onerror>`), and every `[` (and `\`) backslash-
 * escaped, so no link (`[x](javascript:…)`) can form. The app's renderer undoes both
 * (renderer/views/Models/markdown.tsx).
 */
export function inertMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\[]/g, (c) => `\\${c}`);
}

/** The card as one Markdown document, with the version's signature and lineage appended. */
export function cardMarkdown(version: ModelVersion, card: ModelCard): string {
  return inertMarkdown(rawCardMarkdown(version, card));
}

function rawCardMarkdown(version: ModelVersion, card: ModelCard): string {
  const l = version.lineage;
  const aliases = version.aliases.length ? `, aliases ${version.aliases.join(', ')}` : '';
  const section = (title: string, body: string) => `## ${title}\n\n${body.trim() || '_(empty)_'}\n`;
  const inputs = (version.signature?.inputs ?? []).map(
    (i) => `| ${i.name} | ${i.type} | ${i.kind} |`,
  );
  const out = version.signature?.output ?? null;
  return [
    `# Model card: ${version.model} v${version.version}\n`,
    `Stage ${version.stage}${aliases}. ${version.source.kind === 'import' ? 'Imported' : 'Registered'} ${version.createdAt} by ${version.createdBy} ${version.source.kind === 'import' ? `from ${version.source.file}` : version.source.kind === 'mlflow' ? `from ${version.source.uri}` : `from run ${version.runId}`}.\n`,
    section('Intended use', card.intendedUse),
    section('Training data', card.trainingData),
    section('Metrics', card.metrics),
    section('Fairness', card.fairness),
    section('Limitations', card.limitations),
    ...card.sections.map((s) => section(s.title, s.body)),
    section(
      'Signature',
      out
        ? [
            '| input | type | kind |',
            '| --- | --- | --- |',
            ...inputs,
            '',
            `Output: ${out.task} prediction of \`${out.target}\`${out.classes ? ` (classes: ${out.classes.join(', ')})` : ''}.`,
          ].join('\n')
        : (notServable(version) ?? 'none'),
    ),
    l
      ? section(
          'Lineage',
          [
            `- run: ${l.runId} (${l.runName}, experiment ${l.experiment})`,
            `- data: ${l.dataset}@${l.datasetVersion} (${l.datasetHash})`,
            `- config hash: ${l.configHash}`,
            `- feature spec hash: ${l.featureSpecHash ?? 'none recorded'}`,
            `- git commit: ${l.gitCommit ?? 'none recorded'}`,
          ].join('\n'),
        )
      : section('Source', importedSource(version)),
  ].join('\n');
}

/** The Source section of an imported model: the file, its sha256 and how the signature maps onto it. */
function importedSource(version: ModelVersion): string {
  const source = version.source;
  if (source.kind !== 'import') return '';
  const sig = source.signature;
  return [
    '- source: imported ONNX model',
    `- file: ${source.file} (${source.sizeBytes.toLocaleString('en-US')} bytes)`,
    `- sha256: ${source.sha256}`,
    `- signature file: ${source.signatureFile}`,
    ...sig.inputs.map((i) => `- ONNX input \`${i.name}\` ← ${i.features.join(', ')}`),
    `- ONNX output \`${sig.output.name}\`: ${sig.output.kind}`,
  ].join('\n');
}
