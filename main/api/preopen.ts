// What the CLI's front needs to open a command's workspace ahead of the commands' runtime (see
// main/workspace/preopen.ts): node and DuckDB only, no contract, so `lathe --help` stays light.
export { preopenWorkspace, releaseUntaken } from '../workspace/preopen';
export { resolveWorkspaceDir } from '../workspace/paths';
