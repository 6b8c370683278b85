// The configuration of a command: the global --config file, then the environment (docs/configuration.md).
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/load.js';

let loadedLogLevel: string | undefined;

/** The log level of the loaded configuration, or of the environment when none loaded (for error reports). */
export function currentLogLevel(): string | undefined {
  return loadedLogLevel ?? process.env.PETREL_LOG_LEVEL?.toLowerCase();
}

/** Loads the configuration; `--config` is a global option, so it is read from any (sub)command. */
export function loadCliConfig(command: Command): Config {
  const { config: file } = command.optsWithGlobals<{ config?: string }>();
  const config = loadConfig(file !== undefined ? { file } : {});
  loadedLogLevel = config.logLevel;
  return config;
}
