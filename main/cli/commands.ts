// Every `lathe` command, in the order `lathe --help` lists them. The commands live in commands/, one file
// per domain; what they share is in command.ts (context, session, flags) and runners.ts.
import type { Command } from './command';
import {
  dataDelete,
  dataImport,
  dataList,
  dataPreview,
  dataProfile,
  dataRename,
  dataRestore,
  dataSuggest,
  dataSuite,
  dataTransform,
  dataValidate,
  dataVersions,
  lineage,
} from './commands/data';
import { evalList, evalShow, evaluate, gatesClear, gatesSet, gatesShow } from './commands/eval';
import { modelCommands } from './commands/models';
import {
  runsCompare,
  runsDelete,
  runsList,
  runsNote,
  runsRename,
  runsRestore,
  runsResume,
  runsShow,
  runsArtifact,
  runsTag,
  train,
  tune,
} from './commands/runs';
import { serveCommands } from './commands/serve';
import { captureCommands } from './commands/capture';
import { driftCommands } from './commands/drift';
import { alertCommands } from './commands/alerts';
import { retrainCommands } from './commands/retrain';
import { pipelineCommands } from './commands/pipeline';
import { pipelineExportCommand } from './commands/pipeline-export';
import { demo, gc, init, schema, ui, verify } from './commands/workspace';
import { server } from './commands/server';
import { projectCommands } from './commands/projects';
import { runsConfig } from './commands/run-config';
import { mlflowFileCommands } from './commands/mlflow-files';
import { mlflowCommands } from './commands/mlflow';

export const commands: Command[] = [
  init,
  ...projectCommands,
  dataImport,
  dataList,
  dataVersions,
  dataRename,
  dataDelete,
  dataRestore,
  dataTransform,
  lineage,
  dataProfile,
  dataPreview,
  dataSuggest,
  dataSuite,
  dataValidate,
  train,
  tune,
  runsList,
  runsCompare,
  runsDelete,
  runsRestore,
  evaluate,
  evalList,
  evalShow,
  gatesSet,
  gatesShow,
  gatesClear,
  gc,
  verify,
  runsResume,
  runsShow,
  runsArtifact,
  runsConfig,
  runsTag,
  runsNote,
  runsRename,
  ui,
  server,
  demo,
  ...modelCommands,
  ...serveCommands,
  ...captureCommands,
  ...driftCommands,
  ...alertCommands,
  ...retrainCommands,
  ...pipelineCommands,
  pipelineExportCommand,
  ...mlflowFileCommands,
  ...mlflowCommands,
  schema,
];
