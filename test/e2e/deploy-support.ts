/**
 * Shared by the deploy-*.test.ts files: repository paths and the two parsers they need. `yaml` and
 * `ajv` are devDependencies of @annex/test-support (the root package has neither), so they are
 * loaded from there; the interfaces below name only what the tests use.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = fileURLToPath(new URL('../../deploy/helm/annex/', import.meta.url));

const requireFromSupport = createRequire(fileURLToPath(new URL('../support/package.json', import.meta.url)));

export interface YamlDocument {
  errors: { message: string }[];
  warnings: { message: string }[];
  toJS(): unknown;
}

export interface YamlModule {
  parse(source: string, options?: { merge?: boolean }): unknown;
  parseAllDocuments(source: string): YamlDocument[] | { errors: { message: string }[] };
  stringify(
    value: unknown,
    options?: { sortMapEntries?: boolean; indentSeq?: boolean; lineWidth?: number },
  ): string;
}

export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

interface AjvInstance {
  compile(schema: object): AjvValidate;
}

type AjvConstructor = new (options: { allErrors?: boolean; strict?: boolean }) => AjvInstance;

let yaml: YamlModule | undefined;
export function loadYaml(): YamlModule {
  yaml ??= requireFromSupport('yaml') as YamlModule;
  return yaml;
}

/** Parses every document of a multi-document YAML text; throws on any syntax error. */
export function parseYamlDocuments(source: string, name: string): unknown[] {
  const docs = loadYaml().parseAllDocuments(source);
  if (!Array.isArray(docs)) throw new Error(`${name}: ${docs.errors.map((e) => e.message).join('; ')}`);
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${name}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function readYaml(path: string): unknown {
  const [doc, ...rest] = parseYamlDocuments(readFileSync(path, 'utf8'), path);
  if (rest.length > 0) throw new Error(`${path}: more than one document`);
  return doc;
}

/** A JSON Schema draft-07 validator (the draft Helm 3 understands), reporting every error. */
export function compileSchema(schema: object): AjvValidate {
  const mod = requireFromSupport('ajv') as { default: AjvConstructor };
  // strict mode refuses the `description` next to if/then, which draft-07 allows.
  return new mod.default({ allErrors: true, strict: false }).compile(schema);
}

export function formatAjvErrors(errors: AjvError[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** A plain-object view for reading parsed YAML in tests. */
export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

// ---- Dockerfiles ------------------------------------------------------------------------------

export interface DockerInstruction {
  /** Upper-case keyword. */
  op: string;
  /** Arguments as written (continuations joined), with ${VAR} of ARG/ENV defaults substituted. */
  args: string;
  line: number;
}

export interface DockerStage {
  /** Resolved image reference. */
  from: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: DockerStage[];
}

function substitute(text: string, vars: Map<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, a?: string, b?: string) => {
      const name = (a ?? b)!;
      return vars.has(name) ? vars.get(name)! : whole;
    },
  );
}

/** Splits `a=b c="d e"` (LABEL, ENV, ARG) into pairs. */
export function keyValues(args: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of args.matchAll(/([A-Za-z0-9_.-]+)=("((?:[^"\\]|\\.)*)"|\S*)/g)) {
    out.set(m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!);
  }
  return out;
}

/**
 * A small Dockerfile parser (no hadolint here): comments, line continuations, stages, and ARG/ENV
 * substitution in the instructions that the tests read. Build-time ARG overrides are not applied:
 * the checks are about the defaults the file ships.
 */
export function parseDockerfile(text: string): Dockerfile {
  const logical: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (!current && (/^\s*#/.test(line) || line.trim() === '')) return;
    if (current && /^\s*#/.test(line)) return; // comments inside a continuation are dropped
    const continues = /\\\s*$/.test(line);
    const body = continues ? line.replace(/\\\s*$/, '') : line;
    if (current) current.text += ` ${body.trim()}`;
    else current = { text: body.trim(), line: index + 1 };
    if (!continues) {
      logical.push(current);
      current = undefined;
    }
  });
  if (current) logical.push(current);

  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  let vars = new Map<string, string>();
  for (const { text: instruction, line } of logical) {
    const m = /^([A-Za-z]+)\s*(.*)$/.exec(instruction);
    if (!m) throw new Error(`line ${line}: cannot parse ${instruction}`);
    const op = m[1]!.toUpperCase();
    const rest = m[2]!;
    if (op === 'FROM') {
      const parts = rest.split(/\s+/).filter((p) => !p.startsWith('--'));
      const from = substitute(parts[0]!, globalArgs);
      const name = parts[1]?.toUpperCase() === 'AS' ? parts[2] : undefined;
      stages.push({ from, name, instructions: [] });
      vars = new Map();
      continue;
    }
    if (stages.length === 0) {
      if (op !== 'ARG') throw new Error(`line ${line}: ${op} before the first FROM`);
      const [name, value] = rest.split('=', 2) as [string, string | undefined];
      globalArgs.set(name.trim(), value?.trim().replace(/^"|"$/g, '') ?? '');
      continue;
    }
    const stage = stages[stages.length - 1]!;
    if (op === 'ARG') {
      const [name, value] = rest.split('=', 2) as [string, string | undefined];
      // `ARG NAME` inside a stage re-imports the global default.
      vars.set(name.trim(), value?.trim().replace(/^"|"$/g, '') ?? globalArgs.get(name.trim()) ?? '');
    }
    const args = substitute(rest, vars);
    if (op === 'ENV') for (const [k, v] of keyValues(args)) vars.set(k, v);
    stage.instructions.push({ op, args, line });
  }
  return { globalArgs, stages };
}

/** The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string'))
    throw new Error(`not exec form: ${args}`);
  return parsed as string[];
}

/** Shell commands of the RUN instructions of a stage, split on `&&` and `;`. */
export function shellCommands(stage: DockerStage): string[] {
  return stage.instructions
    .filter((i) => i.op === 'RUN')
    .flatMap((i) => i.args.split(/&&|;/))
    .map((c) => c.trim())
    .filter(Boolean);
}

/** `pnpm … deploy … <dir>` commands of a stage: the package filter, the flags and the output folder. */
export function deployCommands(
  stage: DockerStage,
): { command: string; filter: string; flags: string[]; out: string }[] {
  return shellCommands(stage)
    .filter((c) => /^pnpm\b/.test(c) && /\sdeploy\s/.test(c))
    .map((command) => {
      const words = command.split(/\s+/).slice(1);
      const filterAt = words.indexOf('--filter');
      const filter = filterAt >= 0 ? words[filterAt + 1]! : '';
      const flags = words.filter(
        (w, k) => w.startsWith('--') && w !== '--filter' && words[k - 1] !== '--filter',
      );
      const out = words[words.length - 1]!;
      return { command, filter, flags, out };
    });
}

/** pnpm on the PATH (the tests that need it skip without it). */
export function findPnpm(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/pnpm`)) return `${dir}/pnpm`;
  }
  return undefined;
}

/**
 * Runs the `pnpm deploy` command that a Dockerfile's build stage runs for `filter`, word for word,
 * except for its output folder; the workspace must be built (the suite runs after `tsc -b`).
 */
export function runDockerfileDeploy(dockerfile: string, filter: string, out: string): { command: string } {
  const { stages } = parseDockerfile(readFileSync(`${REPO}${dockerfile}`, 'utf8'));
  const deploy = stages.flatMap((s) => deployCommands(s)).find((d) => d.filter === filter);
  if (!deploy) throw new Error(`${dockerfile} deploys no ${filter}`);
  const pnpm = findPnpm();
  if (!pnpm) throw new Error('pnpm is not on the PATH');
  const words = deploy.command.split(/\s+/).slice(1, -1);
  execFileSync(pnpm, [...words, out], { cwd: REPO, stdio: 'pipe', timeout: 120_000 });
  return { command: `pnpm ${words.join(' ')} ${out}` };
}

/** Waits for a service's "Server listening" line; fails at once, with its stderr, if it exits first. */
export async function listeningPort(service: {
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | string>;
  stderr(): string;
}): Promise<number> {
  const exitedFirst = service.exited.then((code) => {
    throw new Error(`exited (${code}) before listening; stderr: ${service.stderr().slice(-1500)}`);
  });
  const match = await Promise.race([
    service.waitForOutput(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/, 60_000),
    exitedFirst,
  ]);
  exitedFirst.catch(() => {});
  return Number(match[1]);
}

/**
 * What a production folder made by `pnpm deploy --prod` must not hold: the package's own
 * devDependencies, the workspace's tooling, sources. Returns the problems found.
 */
export function productionFolderProblems(dir: string, packageDir: string): string[] {
  const problems: string[] = [];
  const manifest = JSON.parse(readFileSync(`${REPO}${packageDir}/package.json`, 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const deployed = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as { name: string };
  if (deployed.name !== manifest.name)
    problems.push(`the folder holds ${deployed.name}, not ${manifest.name}`);
  for (const dev of Object.keys(manifest.devDependencies ?? {})) {
    if (!manifest.dependencies?.[dev] && existsSync(`${dir}/node_modules/${dev}`)) {
      problems.push(`devDependency ${dev} is installed`);
    }
  }
  const store = readdirSync(`${dir}/node_modules/.pnpm`);
  for (const tool of [
    'tap@',
    'eslint@',
    'prettier@',
    'tsx@',
    'typescript-eslint@',
    '@annex+test-support',
    '@annex+example-',
  ]) {
    if (store.some((p) => p.startsWith(tool))) problems.push(`workspace tooling ${tool} is installed`);
  }
  if (existsSync(`${dir}/src`)) problems.push('TypeScript sources are copied');
  if (!existsSync(`${dir}/dist`) && !existsSync(`${dir}/bin`)) problems.push('no compiled program');
  return problems;
}

/** The SQL migrations a production folder carries (inside @annex/migrations). */
export function migrationsIn(dir: string): string[] {
  const store = `${dir}/node_modules/.pnpm`;
  const entry = readdirSync(store).find((p) => p.startsWith('@annex+migrations'));
  if (!entry) return [];
  return readdirSync(`${store}/${entry}/node_modules/@annex/migrations`)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

export function repoMigrations(): string[] {
  return readdirSync(`${REPO}migrations`)
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

// ---- the chart --------------------------------------------------------------------------------

/**
 * Variables of packages/config that the chart sets itself instead of taking them from `config`:
 * they follow the container ports and volumes. Every other variable must be a `config` key.
 */
export const CHART_MANAGED: Record<string, { registry?: string; runner?: string; note: string }> = {
  PORT: { registry: '8080', runner: '8081', note: 'the container port' },
  DATA_DIR: { registry: '/var/lib/annex', runner: '/var/lib/annex', note: 'an emptyDir volume' },
  RUNNER_CACHE_DIR: { runner: '/var/cache/annex', note: 'the cache emptyDir volume' },
  REGISTRY_PORT: { note: 'overridden by PORT in containers' },
  RUNNER_PORT: { note: 'overridden by PORT in containers' },
};

/** values.yaml merged with an override file of ci/ (or nothing). */
export function chartValues(override?: string | Record<string, unknown>): Record<string, unknown> {
  const base = readYaml(`${CHART_DIR}values.yaml`);
  if (override === undefined) return base as Record<string, unknown>;
  const extra = typeof override === 'string' ? readYaml(`${CHART_DIR}ci/${override}`) : override;
  return mergeValues(base, extra) as Record<string, unknown>;
}

export function chartSchema(): object {
  return JSON.parse(readFileSync(`${CHART_DIR}values.schema.json`, 'utf8')) as object;
}

export function ciValueFiles(): string[] {
  return readdirSync(`${CHART_DIR}ci`)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

/** Helm's value coalescing: maps merge recursively, a user null deletes the key, lists are replaced. */
export function mergeValues(base: unknown, override: unknown): unknown {
  if (
    base &&
    override &&
    typeof base === 'object' &&
    typeof override === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(override)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(override as Record<string, unknown>)) {
      if (v === null) delete out[k];
      else out[k] = k in out ? mergeValues(out[k], v) : v;
    }
    return out;
  }
  return override === undefined ? base : override;
}
