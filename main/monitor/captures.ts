// Captured predictions as monitoring reads them: per version, its sources; Docker log segments ingested
// into the capture tables; service health per window.
import {
  LatheError,
  type CapturesOut,
  type HealthIn,
  type HealthOut,
  type IngestOut,
} from '../../shared/contract';
import type { z } from 'zod';
import type { Database } from '../workspace/db';
import type { RegistryStore } from '../registry/registry-store';

export interface CaptureService {
  captures(model: string): Promise<CapturesOut>;
  ingest(dir: string): Promise<IngestOut>;
  health(input: z.output<typeof HealthIn>): Promise<HealthOut>;
}

export function createCaptureService(deps: {
  db: Database;
  registry: RegistryStore;
}): CaptureService {
  void deps;
  const todo = (): never => {
    throw new LatheError('INTERNAL', 'capture: not built yet');
  };
  return { captures: async () => todo(), ingest: async () => todo(), health: async () => todo() };
}
