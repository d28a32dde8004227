// Combines the config file and the command line the way rtpengine's config_load() does:
// 1. parse argv (to learn --config-file / --config-section; errors are fatal);
// 2. read the key file: default /etc/rtpengine/rtpengine.conf is silently skipped
//    when missing, `none` reads nothing, an explicitly named file that cannot be
//    read is fatal, and so is a file without the selected section;
// 3. apply argv again on top: a flag sets true, a value option replaces the file's
//    value, a repeatable option given on the command line replaces the file's
//    whole list (GLib semantics);
// 4. trailing spaces are trimmed from all string values and list elements.

import { ConfigError } from './errors.js';
import { tokenizeArgv } from './argv.js';
import { findLongOption, type OptionDef } from './option-table.js';
import { keyFileBoolean, keyFileString, keyFileStringList, parseKeyFile } from './keyfile.js';

export const DEFAULT_CONFIG_FILE = '/etc/rtpengine/rtpengine.conf';
export const DEFAULT_CONFIG_SECTION = 'rtpengine';

export type RawValue = boolean | string | string[];

export interface RawEntry {
  def: OptionDef;
  value: RawValue;
  /** Where the effective value came from; integers are parsed differently (base 10 vs strtol base 0). */
  source: 'file' | 'cli';
  /** How to name the option in messages (`--table`, `-t`, or the file key). */
  spelled: string;
}

export interface MergeEnv {
  defaultConfigFile: string;
  readFile: (path: string) => Promise<string>;
}

export interface MergeResult {
  entries: Map<string, RawEntry>;
  warnings: string[];
  /** The file actually read, if any. */
  configFile?: string;
  configSection: string;
}

function trimSpaces(s: string): string {
  return s.replace(/ +$/, '');
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function mergeOptions(argv: readonly string[], env: MergeEnv): Promise<MergeResult> {
  const { tokens, notes } = tokenizeArgv(argv);
  const warnings = [...notes];

  let configFileArg: string | undefined;
  let sectionArg: string | undefined;
  for (const t of tokens) {
    if (t.type === 'positional') warnings.push(`extra command-line argument '${t.value}' ignored`);
    if (t.type !== 'option' || typeof t.value !== 'string') continue;
    if (t.def.long === 'config-file') configFileArg = trimSpaces(t.value);
    if (t.def.long === 'config-section') sectionArg = trimSpaces(t.value);
  }
  const configSection = sectionArg ?? DEFAULT_CONFIG_SECTION;

  const entries = new Map<string, RawEntry>();
  let configFile: string | undefined;

  if (configFileArg !== 'none') {
    const path = configFileArg ?? env.defaultConfigFile;
    const explicit = configFileArg !== undefined;
    let text: string | undefined;
    try {
      text = await env.readFile(path);
    } catch (e) {
      if (explicit || errCode(e) !== 'ENOENT') {
        throw new ConfigError(`Cannot read config file '${path}': ${errText(e)}`);
      }
    }
    if (text !== undefined) {
      configFile = path;
      const kf = parseKeyFile(text, path);
      const group = kf.groups.get(configSection);
      if (!group) throw new ConfigError(`Config file '${path}' does not have section [${configSection}]`);
      for (const [key, raw] of group) {
        const def = findLongOption(key);
        if (!def || def.long === 'version') {
          warnings.push(`unknown key '${key}' in section [${configSection}] of ${path} ignored`);
          continue;
        }
        if (def.long === 'config-file' || def.long === 'config-section') continue;
        let value: RawValue;
        try {
          if (def.kind === 'bool') value = keyFileBoolean(raw);
          else if (def.kind === 'list') value = keyFileStringList(raw);
          else value = keyFileString(raw);
        } catch (e) {
          throw new ConfigError(`${path}: key '${key}': ${errText(e)}`);
        }
        entries.set(def.long, { def, value, source: 'file', spelled: key });
      }
    }
  }

  const cliLists = new Map<string, string[]>();
  for (const t of tokens) {
    if (t.type !== 'option' || t.def.long === 'version') continue;
    const { def } = t;
    if (def.kind === 'list') {
      const list = cliLists.get(def.long) ?? [];
      if (list.length === 0) cliLists.set(def.long, list);
      list.push(t.value as string);
      entries.set(def.long, { def, value: list, source: 'cli', spelled: t.spelled });
    } else {
      entries.set(def.long, { def, value: t.value, source: 'cli', spelled: t.spelled });
    }
  }

  for (const entry of entries.values()) {
    if (typeof entry.value === 'string') entry.value = trimSpaces(entry.value);
    else if (Array.isArray(entry.value)) entry.value = entry.value.map(trimSpaces);
  }

  const result: MergeResult = { entries, warnings, configSection };
  if (configFile !== undefined) result.configFile = configFile;
  return result;
}
