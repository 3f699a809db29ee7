// Reference sketches of a version's inputs and prediction, stored once when it is registered or imported.
import { LatheError, type ModelVersion, type ReferenceOut } from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { Engine } from '../data/engine';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';

export interface ReferenceStore {
  /** Computes and stores the reference of a just-registered version (registry's afterRegister). */
  storeFor(version: ModelVersion): Promise<void>;
  /** The stored reference of a version, by id. */
  get(version: ModelVersion): Promise<ReferenceOut>;
  /** Sets (replaces) a version's reference from a dataset version. */
  setFrom(version: ModelVersion, dataRef: string): Promise<ReferenceOut>;
}

export function createReferenceStore(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
  artifacts: ArtifactStore;
}): ReferenceStore {
  void deps;
  const todo = (): never => {
    throw new LatheError('INTERNAL', 'reference: not built yet');
  };
  return { storeFor: async () => undefined, get: async () => todo(), setFrom: async () => todo() };
}
