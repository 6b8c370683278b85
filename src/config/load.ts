// Builds the Config: defaults, then the optional JSON config file, then PETREL_* environment variables.
// Any bad value throws one ConfigError whose message names the setting.
import { readFileSync } from 'node:fs';
import { ConfigError, SETTINGS, type Config } from './settings.js';

export { ConfigError, type Config } from './settings.js';

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `--config ${path}`,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`--config ${path}`, 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`--config ${path}`, 'must hold a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * The config file may name a setting by its key (`dataDir`) or by its environment variable
 * (`PETREL_DATA_DIR`); unknown names are refused so that a typo does not pass silently.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ? readConfigFile(options.file) : {};
  const known = new Set(SETTINGS.flatMap((s) => [s.key as string, s.env]));
  for (const name of Object.keys(file)) {
    if (!known.has(name)) throw new ConfigError(`'${name}' in ${options.file}`, 'is not a known setting');
  }
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromEnv = env[s.env];
    const fromFile = file[s.key] ?? file[s.env];
    if (fromEnv !== undefined && fromEnv !== '') config[s.key] = s.parse(fromEnv, s.env);
    else if (fromFile !== undefined) config[s.key] = s.parse(fromFile, s.key);
    else config[s.key] = s.default();
  }
  const result = config as unknown as Config;
  if ((result.tlsCert === null) !== (result.tlsKey === null)) {
    throw new ConfigError('PETREL_TLS_CERT/PETREL_TLS_KEY', 'must be set together');
  }
  return result;
}
