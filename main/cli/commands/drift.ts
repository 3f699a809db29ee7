// lathe monitor drift, lathe monitor reference.
import type { Command } from '../command';

export const driftCommands: Command[] = [];
