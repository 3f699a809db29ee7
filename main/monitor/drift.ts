// Drift of current data (captured predictions, one batch job, a dataset version) against a version's
// stored reference; every statistic in DuckDB SQL.
import { LatheError, type DriftIn, type DriftOut } from '../../shared/contract';
import type { z } from 'zod';
import type { DataService } from '../data/data-service';
import type { Engine } from '../data/engine';
import type { RegistryStore } from '../registry/registry-store';
import type { Database } from '../workspace/db';
import type { ReferenceStore } from './reference';

export interface DriftService {
  drift(input: z.output<typeof DriftIn>): Promise<DriftOut>;
  html(input: z.output<typeof DriftIn>): Promise<string>;
}

export function createDriftService(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
  registry: RegistryStore;
  references: ReferenceStore;
}): DriftService {
  void deps;
  const todo = (): never => {
    throw new LatheError('INTERNAL', 'drift: not built yet');
  };
  return { drift: async () => todo(), html: async () => todo() };
}
