import { readFileSync } from 'node:fs';
import { YAMLError, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { fileProblem } from '../security/secrets.js';
import { parseBoolean, parseDuration, parseList, parseSize } from './parse.js';

/** One configuration key: its type, default, documentation and the environment names that set it. */
export interface Field<T> {
  readonly type: string;
  readonly default: T;
  readonly doc: string;
  /** Extra environment variables that set this key (e.g. Jaeger's JAEGER_* names), after SKEIN_<KEY>. */
  readonly env: readonly string[];
  /** Never printed: help shows "(secret)", errors show no value. */
  readonly secret: boolean;
  /** Turns a raw value (string from env/flags, or a YAML value) into T; the message says what was expected. */
  parse(raw: unknown): T | Invalid;
  show(value: T): string;
}

/** A parse failure: what was expected, for the error message. */
export interface Invalid {
  invalid: string;
}

export type Schema = Record<string, Field<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

interface FieldOptions {
  env?: readonly string[];
  secret?: boolean;
}

function make<T>(
  type: string,
  def: T,
  doc: string,
  options: FieldOptions,
  parse: (raw: unknown) => T | Invalid,
  show: (value: T) => string = (v) => String(v),
): Field<T> {
  return { type, default: def, doc, env: options.env ?? [], secret: options.secret ?? false, parse, show };
}

const text = (raw: unknown): string | undefined =>
  typeof raw === 'string'
    ? raw
    : typeof raw === 'number' || typeof raw === 'boolean'
      ? String(raw)
      : undefined;

function integer(raw: unknown, min: number, max: number): number | Invalid {
  const t = text(raw);
  const n = t !== undefined && /^-?\d+$/.test(t.trim()) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) return { invalid: `an integer from ${min} to ${max}` };
  return n;
}

/** Builders for each kind of key. Durations are milliseconds, sizes bytes. */
export const field = {
  string: (def: string, doc: string, options: FieldOptions = {}): Field<string> =>
    make('string', def, doc, options, (raw) => text(raw) ?? { invalid: 'a string' }),

  optionalString: (doc: string, options: FieldOptions = {}): Field<string | undefined> =>
    make<string | undefined>(
      'string',
      undefined,
      doc,
      options,
      (raw) => {
        const t = text(raw);
        return t === undefined ? { invalid: 'a string' } : t === '' ? undefined : t;
      },
      (v) => v ?? '',
    ),

  int: (def: number, doc: string, range: { min?: number; max?: number } = {}, options: FieldOptions = {}) =>
    make('int', def, doc, options, (raw) =>
      integer(raw, range.min ?? Number.MIN_SAFE_INTEGER, range.max ?? Number.MAX_SAFE_INTEGER),
    ),

  /** A TCP/UDP port; 0 switches the listener off where the component allows it. */
  port: (def: number, doc: string, options: FieldOptions = {}) =>
    make('port', def, doc, options, (raw) => integer(raw, 0, 65535)),

  number: (
    def: number,
    doc: string,
    range: { min?: number; max?: number } = {},
    options: FieldOptions = {},
  ) =>
    make('number', def, doc, options, (raw) => {
      const t = text(raw);
      const n = t === undefined || t.trim() === '' ? NaN : Number(t);
      const min = range.min ?? -Infinity;
      const max = range.max ?? Infinity;
      return Number.isFinite(n) && n >= min && n <= max ? n : { invalid: `a number from ${min} to ${max}` };
    }),

  boolean: (def: boolean, doc: string, options: FieldOptions = {}) =>
    make('boolean', def, doc, options, (raw) => {
      if (typeof raw === 'boolean') return raw;
      const t = text(raw);
      const b = t === undefined ? undefined : parseBoolean(t);
      return b ?? { invalid: 'true or false' };
    }),

  /** Written as a Go-style duration ("500ms", "5s", "1h"); the value is milliseconds. */
  duration: (def: string, doc: string, options: FieldOptions = {}) =>
    make(
      'duration',
      parseDuration(def) ?? 0,
      doc,
      options,
      (raw) => {
        const t = text(raw);
        const ms = t === undefined ? undefined : parseDuration(t);
        return ms ?? { invalid: 'a duration such as 500ms, 5s or 1m' };
      },
      (ms) => `${ms}ms`,
    ),

  /** Written as "65000", "64KiB" or "10MB"; the value is bytes. */
  size: (def: string, doc: string, options: FieldOptions = {}) =>
    make('size', parseSize(def) ?? 0, doc, options, (raw) => {
      const t = text(raw);
      const n = t === undefined ? undefined : parseSize(t);
      return n ?? { invalid: 'a size such as 65000, 64KiB or 10MB' };
    }),

  /** Comma-separated in env and flags, a list in YAML. */
  list: (def: readonly string[], doc: string, options: FieldOptions = {}) =>
    make<readonly string[]>(
      'list',
      def,
      doc,
      options,
      (raw) => {
        if (Array.isArray(raw)) return raw.map((v) => String(v));
        const t = text(raw);
        return t === undefined ? { invalid: 'a comma-separated list' } : parseList(t);
      },
      (v) => v.join(','),
    ),

  oneOf: <const V extends string>(values: readonly V[], def: V, doc: string, options: FieldOptions = {}) =>
    make<V>('enum', def, doc, options, (raw) => {
      const t = text(raw);
      return t !== undefined && (values as readonly string[]).includes(t)
        ? (t as V)
        : { invalid: `one of ${values.join(', ')}` };
    }),
};

/** SKEIN_KAFKA_BROKERS for key `kafka.brokers`. */
export function envName(key: string): string {
  return `SKEIN_${key.toUpperCase().replace(/[.-]/g, '_')}`;
}

/** --kafka.brokers for key `kafka.brokers` (--kafka-brokers is accepted too). */
export function flagName(key: string): string {
  return `--${key}`;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>, source: string): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(v, prefix ? `${prefix}.${k}` : k, out, source);
    }
    return;
  }
  if (!prefix) throw new ConfigError(source, 'the file must hold a mapping of keys to values');
  out.set(prefix, value);
}

// What the yaml package's error codes mean, for the ones a hand-edited config file runs into.
const YAML_PROBLEMS: Record<string, string> = {
  DUPLICATE_KEY: 'a key appears twice in the same mapping',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  BAD_INDENT: 'the indentation is wrong',
  TAB_AS_INDENT: 'a tab is used for indentation (use spaces)',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping where a value was expected (check the indentation)',
  MULTILINE_IMPLICIT_KEY: 'a key spans lines (check the indentation and quotes)',
  MULTIPLE_DOCS: 'it holds more than one document (---)',
  UNEXPECTED_TOKEN: 'a character is out of place',
};

/** 1-based line and column of `offset` in `text`. */
function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * The YAML of a config file. A syntax error names the kind of problem and where it is, never the file's text:
 * the line at fault may hold a password (the yaml package's own messages quote it, and may echo values).
 */
function parseConfigFile(file: string, text: string): unknown {
  const syntax = (what: string): ConfigError =>
    new ConfigError(file, `is not valid YAML: ${what} (the line is not shown: it may hold a secret)`);
  // prettyErrors off: no excerpt of the file in messages; warnings (e.g. an unknown tag) are not printed either.
  const doc = parseDocument(text, { prettyErrors: false, logLevel: 'silent' });
  const [error] = doc.errors;
  if (error !== undefined) {
    throw syntax(
      `${YAML_PROBLEMS[error.code] ?? error.code} at ${position(text, error.pos[0])} (${error.code})`,
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias without its anchor, or aliases expanding too far: the messages quote the document.
    throw syntax(
      err instanceof YAMLError ? err.code : 'an alias (*name) refers to no anchor, or expands too far',
    );
  }
}

export interface LoadOptions {
  /** Command-line arguments after the command name. Unknown flags are errors; other words are returned in `args`. */
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** A YAML file; otherwise --config or SKEIN_CONFIG names one, if any. */
  file?: string;
}

export interface Loaded<S extends Schema> {
  config: ConfigOf<S>;
  /** Positional arguments. */
  args: string[];
  /** Where each key's value came from: default, file, env NAME or flag --name. */
  sources: Record<keyof S & string, string>;
}

/** Reads a component's configuration: defaults < YAML file < environment < flags. Throws ConfigError naming the key. */
export function loadConfig<S extends Schema>(schema: S, options: LoadOptions = {}): Loaded<S> {
  const env = options.env ?? process.env;
  const raw = new Map<string, { value: unknown; source: string }>();
  const args: string[] = [];
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(schema)) {
    byFlag.set(key, key);
    byFlag.set(key.replace(/\./g, '-'), key);
  }

  // Flags first into a list, so --config is known before the file is read.
  const flags: Array<{ key: string; value: unknown; flag: string }> = [];
  let file = options.file ?? env.SKEIN_CONFIG;
  const argv = options.argv ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      args.push(arg);
      continue;
    }
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    let name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: unknown = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (name === 'config') {
      file = typeof value === 'string' ? value : argv[++i];
      if (!file) throw new ConfigError('--config', 'needs a file path');
      continue;
    }
    let key = byFlag.get(name);
    if (!key && name.startsWith('no-') && value === undefined) {
      const negated = byFlag.get(name.slice(3));
      if (negated && schema[negated]?.type === 'boolean') {
        key = negated;
        value = false;
        name = name.slice(3);
      }
    }
    if (!key) throw new ConfigError(`--${name}`, 'unknown option; --help lists every option');
    if (value === undefined) {
      const next = argv[i + 1];
      if (
        schema[key]?.type === 'boolean' &&
        (next === undefined || next.startsWith('--') || parseBoolean(next) === undefined)
      ) {
        value = true;
      } else if (next === undefined) {
        throw new ConfigError(`--${name}`, 'needs a value');
      } else {
        value = next;
        i++;
      }
    }
    flags.push({ key, value, flag: `--${name}` });
  }

  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(file, `cannot read the config file: ${fileProblem(err)}`);
    }
    const parsed = parseConfigFile(file, text);
    const flat = new Map<string, unknown>();
    flatten(parsed, '', flat, file);
    for (const [key, value] of flat) {
      if (!(key in schema)) throw new ConfigError(key, `unknown key in ${file}; --help lists every key`);
      raw.set(key, { value, source: `file ${file}` });
    }
  }

  for (const [key, spec] of Object.entries(schema)) {
    for (const name of [envName(key), ...spec.env]) {
      const value = env[name];
      if (value !== undefined && value !== '') {
        raw.set(key, { value, source: `env ${name}` });
        break;
      }
    }
  }
  for (const { key, value, flag } of flags) raw.set(key, { value, source: `flag ${flag}` });

  const config: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const given = raw.get(key);
    if (!given) {
      config[key] = spec.default;
      sources[key] = 'default';
      continue;
    }
    const value = spec.parse(given.value);
    if (typeof value === 'object' && value !== null && 'invalid' in value) {
      const shown = spec.secret ? '' : ` ${JSON.stringify(given.value)}`;
      throw new ConfigError(
        key,
        `expected ${(value as Invalid).invalid}, got${shown || ' a value'} (from ${given.source})`,
      );
    }
    config[key] = value;
    sources[key] = given.source;
  }
  return { config: config as ConfigOf<S>, args, sources: sources as Record<keyof S & string, string> };
}

/** One line per key: flag, environment variables, default and what it does; for `--help`. */
export function configHelp(schema: Schema): string {
  const rows = Object.entries(schema).map(([key, spec]) => {
    const def = spec.secret ? '(secret)' : JSON.stringify(spec.show(spec.default));
    const envs = [envName(key), ...spec.env].join(', ');
    return `  ${flagName(key)} <${spec.type}>\n      ${spec.doc}\n      default ${def}; env ${envs}`;
  });
  return [
    ...rows,
    '  --config <file>\n      YAML file with any of the keys above (nested or dotted); env SKEIN_CONFIG',
  ].join('\n');
}
