// What a face needs of a workspace before it opens one, or without opening it: which folder, who owns
// it, and the loader of the config files users write. The faces reach main/ only through services.ts and
// api/, so these come through here rather than from main/workspace/ directly.
import { liveOwner, type LockInfo } from '../workspace/lock';
import { workspacePaths } from '../workspace/paths';

export { loadConfigFile } from '../workspace/config-file';
export { literal as sqlLiteral, sqlInteger } from '../workspace/db';

/** The live process that owns the workspace in `workspaceDir` (other than this one), if any. */
export function workspaceOwner(workspaceDir: string): LockInfo | null {
  return liveOwner(workspacePaths(workspaceDir).lock);
}
