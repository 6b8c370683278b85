// Every `petrel` command, in the order `petrel --help` lists them.
import type { Command } from 'commander';
import { registerApiKeyCommands } from './apikey.js';
import { registerBenchCommand } from './bench.js';
import { registerDomainCommands } from './domain.js';
import { registerInitCommand } from './init.js';
import { registerMigrateCommand } from './migrate.js';
import { registerQueueCommands } from './queue.js';
import { registerRestrictionCommands } from './restrictions.js';
import { registerServeCommand } from './serve.js';
import { registerStatusCommand } from './status.js';
import { registerSuppressionCommands } from './suppression.js';
import { registerUserCommands } from './user.js';

export function registerCommands(program: Command): void {
  registerServeCommand(program);
  registerInitCommand(program);
  registerMigrateCommand(program);
  registerApiKeyCommands(program);
  registerUserCommands(program);
  registerBenchCommand(program);
  registerQueueCommands(program);
  registerDomainCommands(program);
  registerRestrictionCommands(program);
  registerSuppressionCommands(program);
  registerStatusCommand(program);
}
