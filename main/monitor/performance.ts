// Late labels joined to captured rows, and performance per window: actual metrics on labelled rows,
// estimated metrics (CBPE) without labels.
import {
  LatheError,
  type ActualsIn,
  type ActualsOut,
  type PerformanceIn,
  type PerformanceOut,
} from '../../shared/contract';
import type { z } from 'zod';
import type { DataService } from '../data/data-service';
import type { Engine } from '../data/engine';
import type { RegistryStore } from '../registry/registry-store';
import type { Database } from '../workspace/db';

export interface PerformanceService {
  actuals(input: z.output<typeof ActualsIn>): Promise<ActualsOut>;
  performance(input: z.output<typeof PerformanceIn>): Promise<PerformanceOut>;
}

export function createPerformanceService(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
  registry: RegistryStore;
}): PerformanceService {
  void deps;
  const todo = (): never => {
    throw new LatheError('INTERNAL', 'performance: not built yet');
  };
  return { actuals: async () => todo(), performance: async () => todo() };
}
