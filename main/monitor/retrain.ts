// The retraining loop: new data → expectations → train with the champion's config → evaluate on the
// champion's held-out rows → gates → `challenger` → optional canary → promotion; and rollback.
import type { z } from 'zod';
import {
  LatheError,
  type RetrainIn,
  type Retraining,
  type RollbackIn,
} from '../../shared/contract';
import type { Database } from '../workspace/db';

export interface RetrainService {
  run(input: z.output<typeof RetrainIn>): Promise<Retraining>;
  list(model: string): Promise<Retraining[]>;
  rollback(
    input: z.output<typeof RollbackIn>,
  ): Promise<{ model: string; from: number; to: number }>;
}

export function createRetrainService(deps: { db: Database }): RetrainService {
  void deps;
  const todo = (): never => {
    throw new LatheError('INTERNAL', 'retrain: not built yet');
  };
  return { run: async () => todo(), list: async () => todo(), rollback: async () => todo() };
}
