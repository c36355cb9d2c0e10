/**
 * A small, strict renderer for the subset of Helm's Go templates that deploy/helm/annex uses, so the
 * tests can render the chart without a helm binary. It follows text/template and Helm where the
 * chart depends on them, and refuses everything else (an unknown function, a field of a non-map, a
 * comparison of an int with a float64) instead of guessing:
 * - actions with trim markers, comments, if / else if / else, range (lists, maps by sorted key,
 *   `$i, $v :=`), with / else, define, variables (`:=`, `=`, `$`), pipelines, parenthesized
 *   expressions with field chains;
 * - numbers from values are float64 (as Helm reads values files) and print as Go's %v does:
 *   209715200 prints as 2.097152e+08, the trap `annex.envValue` exists for; integer literals and the
 *   results of int/add are ints; missing map keys are nil and print as "" (Helm's missingkey=zero
 *   followed by its "<no value>" replacement);
 * - the functions listed in FUNCTIONS, with text/template's and sprig's argument orders.
 * It is a test instrument, not a helm replacement: `helm lint` and `helm template` remain the final
 * word and are listed as unverified in docs/operations.md.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadYaml } from './deploy-support.js';

/** Go int (from literals, `int`, `add`, `len`): kept apart from float64 numbers. */
class GoInt {
  constructor(
    readonly value: number,
    readonly kind: 'int' | 'int64' = 'int',
  ) {}
}

/** Go struct (Release, Chart, Template): a missing field is an error, not nil. */
class GoStruct {
  constructor(readonly fields: Record<string, unknown>) {}
}

type Value = unknown;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

// ---- lexing ---------------------------------------------------------------------------------

type Item = { kind: 'text'; text: string } | { kind: 'action'; src: string; where: string };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function lex(src: string, name: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  const line = (at: number) => `${name}:${src.slice(0, at).split('\n').length}`;
  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open === -1 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open === -1) {
      if (text) items.push({ kind: 'text', text });
      break;
    }
    let j = open + 2;
    if (src[j] === '-' && isSpace(src[j + 1])) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 1;
    }
    if (text) items.push({ kind: 'text', text });
    // Find the closing braces outside string literals and comments.
    let k = j;
    let quote: string | null = null;
    while (k < src.length) {
      const c = src[k];
      if (quote) {
        if (c === '\\' && quote === '"') k += 1;
        else if (c === quote) quote = null;
      } else if (c === '"' || c === '`') quote = c;
      else if (src.startsWith('/*', k)) {
        const end = src.indexOf('*/', k + 2);
        if (end === -1) throw new TemplateError(`${line(k)}: unclosed comment`);
        k = end + 1;
      } else if (src.startsWith('}}', k)) break;
      k += 1;
    }
    if (k >= src.length) throw new TemplateError(`${line(open)}: unclosed action`);
    let body = src.slice(j, k);
    trimNext = false;
    if (/[ \t\r\n]-$/.test(body)) {
      trimNext = true;
      body = body.slice(0, -1);
    }
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) {
      items.push({ kind: 'action', src: trimmed, where: line(open) });
    }
    pos = k + 2;
  }
  return items;
}

// ---- parsing --------------------------------------------------------------------------------

type Token =
  | { t: 'field'; names: string[]; adjacent: boolean }
  | { t: 'var'; name: string; names: string[] }
  | { t: 'ident'; name: string }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number; int: boolean }
  | { t: 'punct'; value: '(' | ')' | '|' | ',' | ':=' | '=' };

function tokenize(src: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new TemplateError(`${where}: ${message} in {{ ${src} }}`);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (isSpace(c)) {
      i += 1;
      continue;
    }
    const adjacent = i > 0 && src[i - 1] === ')';
    if (src.startsWith(':=', i)) {
      tokens.push({ t: 'punct', value: ':=' });
      i += 2;
    } else if ('()|,='.includes(c)) {
      tokens.push({ t: 'punct', value: c as '(' | ')' | '|' | ',' | '=' });
      i += 1;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' };
          if (e === undefined || !(e in map)) fail(`unsupported escape \\${e ?? ''}`);
          value += map[e!];
          j += 2;
        } else {
          value += src[j];
          j += 1;
        }
      }
      if (j >= src.length) fail('unterminated string');
      tokens.push({ t: 'string', value });
      i = j + 1;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end === -1) fail('unterminated raw string');
      tokens.push({ t: 'string', value: src.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i))!;
      tokens.push({ t: 'number', value: Number(m[0]), int: !m[1] && !m[2] });
      i += m[0].length;
    } else if (c === '$' || c === '.') {
      const m = /^(\$[A-Za-z0-9_]*)?((\.[A-Za-z_][A-Za-z0-9_]*)*)(\.?)/.exec(src.slice(i))!;
      const names = m[2] ? m[2].slice(1).split('.') : [];
      if (m[1]) tokens.push({ t: 'var', name: m[1], names });
      else tokens.push({ t: 'field', names, adjacent });
      i += m[0].length;
      if (m[0].length === 0) fail('bad token');
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      tokens.push({ t: 'ident', name: m[0] });
      i += m[0].length;
    } else {
      fail(`unexpected ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

type Operand =
  | { o: 'field'; names: string[] }
  | { o: 'var'; name: string; names: string[] }
  | { o: 'func'; name: string }
  | { o: 'literal'; value: Value }
  | { o: 'paren'; pipeline: Pipeline; names: string[] };
type Command = Operand[];
interface Pipeline {
  decl: string[];
  assign: boolean;
  commands: Command[];
  where: string;
}

function parsePipeline(tokens: Token[], where: string): Pipeline {
  let i = 0;
  const fail = (message: string): never => {
    throw new TemplateError(`${where}: ${message}`);
  };
  const decl: string[] = [];
  let assign = false;
  // `$a :=`, `$a, $b :=`, `$a =`
  const declEnd = tokens.findIndex((t) => t.t === 'punct' && (t.value === ':=' || t.value === '='));
  if (
    declEnd > 0 &&
    tokens.slice(0, declEnd).every((t) => t.t === 'var' || (t.t === 'punct' && t.value === ','))
  ) {
    for (const t of tokens.slice(0, declEnd)) if (t.t === 'var') decl.push(t.name);
    assign = (tokens[declEnd] as { value: string }).value === '=';
    i = declEnd + 1;
  }
  function operand(): Operand {
    const t = tokens[i];
    if (!t) return fail('missing operand');
    i += 1;
    switch (t.t) {
      case 'field':
        return { o: 'field', names: t.names };
      case 'var':
        return { o: 'var', name: t.name, names: t.names };
      case 'string':
        return { o: 'literal', value: t.value };
      case 'number':
        return { o: 'literal', value: t.int ? new GoInt(t.value) : t.value };
      case 'ident':
        if (t.name === 'true' || t.name === 'false') return { o: 'literal', value: t.name === 'true' };
        if (t.name === 'nil') return { o: 'literal', value: null };
        return { o: 'func', name: t.name };
      case 'punct': {
        if (t.value !== '(') return fail(`unexpected ${t.value}`);
        const start = i;
        let depth = 1;
        while (i < tokens.length && depth > 0) {
          const u = tokens[i]!;
          if (u.t === 'punct' && u.value === '(') depth += 1;
          if (u.t === 'punct' && u.value === ')') depth -= 1;
          i += 1;
        }
        if (depth !== 0) return fail('unbalanced parentheses');
        const inner = parsePipeline(tokens.slice(start, i - 1), where);
        const next = tokens[i];
        let names: string[] = [];
        if (next && next.t === 'field' && next.adjacent) {
          names = next.names;
          i += 1;
        }
        return { o: 'paren', pipeline: inner, names };
      }
    }
  }
  const commands: Command[] = [];
  let command: Command = [];
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.t === 'punct' && t.value === '|') {
      if (command.length === 0) fail('empty command');
      commands.push(command);
      command = [];
      i += 1;
      continue;
    }
    command.push(operand());
  }
  if (command.length === 0) fail('empty pipeline');
  commands.push(command);
  return { decl, assign, commands, where };
}

type Node =
  | { n: 'text'; text: string }
  | { n: 'output'; pipeline: Pipeline }
  | { n: 'if'; pipeline: Pipeline; then: Node[]; else: Node[] }
  | { n: 'with'; pipeline: Pipeline; then: Node[]; else: Node[] }
  | { n: 'range'; pipeline: Pipeline; then: Node[]; else: Node[] };

const KEYWORD = /^(if|else|end|range|with|define|template|block|break|continue)\b/;

function parseTemplate(items: Item[], defines: Map<string, Node[]>): Node[] {
  let i = 0;
  /** Parses nodes until else/end; returns them with the keyword action that stopped the list. */
  function list(): { nodes: Node[]; stop?: { word: string; rest: string; where: string } } {
    const nodes: Node[] = [];
    while (i < items.length) {
      const item = items[i]!;
      i += 1;
      if (item.kind === 'text') {
        nodes.push({ n: 'text', text: item.text });
        continue;
      }
      const m = KEYWORD.exec(item.src);
      if (!m) {
        nodes.push({ n: 'output', pipeline: parsePipeline(tokenize(item.src, item.where), item.where) });
        continue;
      }
      const word = m[1]!;
      const rest = item.src.slice(word.length).trim();
      if (word === 'else' || word === 'end') return { nodes, stop: { word, rest, where: item.where } };
      if (word === 'if' || word === 'with' || word === 'range') {
        nodes.push(control(word, rest, item.where));
      } else if (word === 'define') {
        const name = /^"([^"]+)"$/.exec(rest)?.[1];
        if (!name) throw new TemplateError(`${item.where}: bad define`);
        const body = list();
        if (body.stop?.word !== 'end') throw new TemplateError(`${item.where}: define without end`);
        defines.set(name, body.nodes);
      } else {
        throw new TemplateError(`${item.where}: {{ ${word} }} is not supported by this renderer`);
      }
    }
    return { nodes };
  }
  function control(word: 'if' | 'with' | 'range', rest: string, where: string): Node {
    const pipeline = parsePipeline(tokenize(rest, where), where);
    const body = list();
    if (!body.stop) throw new TemplateError(`${where}: ${word} without end`);
    let elseNodes: Node[] = [];
    if (body.stop.word === 'else') {
      const elseIf = /^(if|with)\b/.exec(body.stop.rest);
      if (elseIf) {
        // `else if` shares the enclosing end.
        elseNodes = [
          control(elseIf[1] as 'if' | 'with', body.stop.rest.slice(elseIf[1]!.length), body.stop.where),
        ];
      } else {
        const tail = list();
        if (tail.stop?.word !== 'end') throw new TemplateError(`${where}: ${word} without end`);
        elseNodes = tail.nodes;
      }
    }
    return { n: word, pipeline, then: body.nodes, else: elseNodes };
  }
  const top = list();
  if (top.stop) throw new TemplateError(`${top.stop.where}: unexpected {{ ${top.stop.word} }}`);
  return top.nodes;
}

// ---- values and functions -------------------------------------------------------------------

function kindOf(v: Value): string {
  if (v === null || v === undefined) return 'invalid';
  if (v instanceof GoInt) return v.kind;
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof GoStruct) return 'struct';
  return 'map';
}

function truthy(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (v instanceof GoInt) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && !(v instanceof GoStruct)) return Object.keys(v).length > 0;
  return true;
}

/** Go's %v for a float64: strconv.FormatFloat(f, 'g', -1, 64). */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, expText] = f.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 21 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(f);
}

/** fmt's %v of a scalar; collections are refused (the chart never prints one). */
function goString(v: Value, where: string): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return goFloat(v);
  if (v instanceof GoInt) return String(v.value);
  throw new TemplateError(`${where}: printing a ${kindOf(v)} is not supported`);
}

/** sprig strval: fmt.Sprintf("%v") with nil as "<nil>". */
function strval(v: Value, where: string): string {
  if (v === null || v === undefined) return '<nil>';
  return goString(v, where);
}

function toInt(v: Value, where: string): number {
  if (v instanceof GoInt) return v.value;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') {
    const n = Number.parseInt(v, 10);
    return Number.isNaN(n) ? 0 : n;
  }
  throw new TemplateError(`${where}: cannot convert a ${kindOf(v)} to int`);
}

/** Go's %q (strconv.Quote) for the characters values can hold. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function plain(v: Value): unknown {
  if (v instanceof GoInt) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof GoStruct)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function compare(op: string, a: Value, b: Value, where: string): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const intKinds = ['int', 'int64'];
  if (intKinds.includes(ka) && intKinds.includes(kb)) return (a as GoInt).value - (b as GoInt).value;
  if (ka === kb && (ka === 'float64' || ka === 'string' || ka === 'bool')) {
    if (ka === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    if (ka === 'bool' && op !== 'eq' && op !== 'ne') throw new TemplateError(`${where}: ${op} of bools`);
    return Number(a) - Number(b);
  }
  throw new TemplateError(`${where}: incompatible types for comparison (${op} ${ka} ${kb})`);
}

function printf(format: string, args: Value[], where: string): string {
  let n = 0;
  return format.replace(/%(\.0f|[sdvq%])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[n++];
    if (verb === 's') {
      if (typeof arg !== 'string') throw new TemplateError(`${where}: %s of a ${kindOf(arg)}`);
      return arg;
    }
    if (verb === 'd') {
      if (!(arg instanceof GoInt)) throw new TemplateError(`${where}: %d of a ${kindOf(arg)}`);
      return String(arg.value);
    }
    if (verb === 'q') return goQuote(strval(arg, where));
    if (verb === '.0f') {
      if (typeof arg !== 'number') throw new TemplateError(`${where}: %.0f of a ${kindOf(arg)}`);
      return arg.toFixed(0);
    }
    return goString(arg, where);
  });
}

function toYaml(v: Value): string {
  const { stringify } = loadYaml();
  return stringify(plain(v), { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

const indent = (n: number, s: string) => ' '.repeat(n) + s.replace(/\n/g, `\n${' '.repeat(n)}`);

// ---- evaluation -----------------------------------------------------------------------------

interface Scope {
  vars: Map<string, Value>[];
}

export interface ChartRelease {
  name: string;
  namespace: string;
  isUpgrade?: boolean;
}

export interface RenderedChart {
  /** Output of each manifest template, by file name (empty output omitted). */
  files: Map<string, string>;
  notes: string;
}

export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly chartName: string;
  private readonly chart: GoStruct;

  constructor(private readonly chartDir: string) {
    const { parse } = loadYaml();
    const meta = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    this.chartName = meta.name!;
    this.chart = new GoStruct({
      Name: meta.name,
      Version: meta.version,
      AppVersion: meta.appVersion,
    });
    for (const file of this.templateFiles()) {
      const nodes = parseTemplate(lex(this.read(file), file), this.defines);
      // Helm registers every file as a template of its own: include (print $.Template.BasePath "/x.yaml").
      this.defines.set(`${this.chartName}/templates/${file}`, nodes);
    }
  }

  templateFiles(): string[] {
    return readdirSync(join(this.chartDir, 'templates')).sort();
  }

  private read(file: string): string {
    return readFileSync(join(this.chartDir, 'templates', file), 'utf8');
  }

  render(values: Record<string, unknown>, release: ChartRelease): RenderedChart {
    const files = new Map<string, string>();
    let notes = '';
    for (const file of this.templateFiles()) {
      if (file.startsWith('_')) continue;
      const root = new GoStruct({
        Values: values,
        Release: new GoStruct({
          Name: release.name,
          Namespace: release.namespace,
          Service: 'Helm',
          IsInstall: !release.isUpgrade,
          IsUpgrade: Boolean(release.isUpgrade),
          Revision: new GoInt(release.isUpgrade ? 2 : 1),
        }),
        Chart: this.chart,
        Template: new GoStruct({
          Name: `${this.chartName}/templates/${file}`,
          BasePath: `${this.chartName}/templates`,
        }),
      });
      const out = this.exec(this.defines.get(`${this.chartName}/templates/${file}`)!, root).replaceAll(
        '<no value>',
        '',
      );
      if (file === 'NOTES.txt') notes = out;
      else if (out.trim() !== '') files.set(file, out);
    }
    return { files, notes };
  }

  private exec(nodes: Node[], dot: Value, root: Value = dot): string {
    const scope: Scope = { vars: [new Map([['$', root]])] };
    return this.run(nodes, dot, scope);
  }

  private run(nodes: Node[], dot: Value, scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          out += node.text;
          break;
        case 'output': {
          const v = this.pipeline(node.pipeline, dot, scope);
          if (node.pipeline.decl.length === 0) out += goString(v, node.pipeline.where);
          break;
        }
        case 'if':
        case 'with': {
          scope.vars.push(new Map());
          const v = this.pipeline(node.pipeline, dot, scope);
          if (truthy(v)) out += this.run(node.then, node.n === 'with' ? v : dot, scope);
          else out += this.run(node.else, dot, scope);
          scope.vars.pop();
          break;
        }
        case 'range': {
          scope.vars.push(new Map());
          const p = node.pipeline;
          const v = this.pipeline({ ...p, decl: [] }, dot, scope);
          let entries: [Value, Value][];
          if (Array.isArray(v)) entries = v.map((x, k) => [new GoInt(k), x]);
          else if (v === null || v === undefined) entries = [];
          else if (typeof v === 'object' && !(v instanceof GoStruct) && !(v instanceof GoInt)) {
            entries = Object.keys(v as object)
              .sort()
              .map((k) => [k, (v as Record<string, Value>)[k]]);
          } else throw new TemplateError(`${p.where}: range over a ${kindOf(v)}`);
          if (entries.length === 0) out += this.run(node.else, dot, scope);
          for (const [k, x] of entries) {
            const frame = scope.vars[scope.vars.length - 1]!;
            if (p.decl.length === 1) frame.set(p.decl[0]!, x);
            if (p.decl.length === 2) {
              frame.set(p.decl[0]!, k);
              frame.set(p.decl[1]!, x);
            }
            out += this.run(node.then, x, scope);
          }
          scope.vars.pop();
          break;
        }
      }
    }
    return out;
  }

  private lookupVar(name: string, scope: Scope, where: string): Value {
    for (let i = scope.vars.length - 1; i >= 0; i -= 1) {
      if (scope.vars[i]!.has(name)) return scope.vars[i]!.get(name);
    }
    throw new TemplateError(`${where}: undefined variable ${name}`);
  }

  private fields(v: Value, names: string[], where: string): Value {
    let cur = v;
    for (const name of names) {
      if (cur instanceof GoStruct) {
        if (!(name in cur.fields)) throw new TemplateError(`${where}: can't evaluate field ${name}`);
        cur = cur.fields[name];
      } else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && !(cur instanceof GoInt)) {
        cur = Object.hasOwn(cur, name) ? (cur as Record<string, Value>)[name] : null;
      } else {
        throw new TemplateError(
          `${where}: field ${name} of a ${kindOf(cur)} (nil pointer evaluating .${name})`,
        );
      }
    }
    return cur;
  }

  private pipeline(p: Pipeline, dot: Value, scope: Scope): Value {
    let value: Value;
    let piped = false;
    for (const command of p.commands) {
      value = this.command(command, dot, scope, p.where, piped ? [value] : []);
      piped = true;
    }
    if (p.decl.length === 1) {
      if (p.assign) {
        const frame = scope.vars.findLast((f) => f.has(p.decl[0]!));
        if (!frame) throw new TemplateError(`${p.where}: undefined variable ${p.decl[0]}`);
        frame.set(p.decl[0]!, value);
      } else scope.vars[scope.vars.length - 1]!.set(p.decl[0]!, value);
    }
    return value;
  }

  private operand(o: Operand, dot: Value, scope: Scope, where: string): Value {
    switch (o.o) {
      case 'field':
        return this.fields(dot, o.names, where);
      case 'var':
        return this.fields(this.lookupVar(o.name, scope, where), o.names, where);
      case 'literal':
        return o.value;
      case 'paren':
        return this.fields(this.pipeline(o.pipeline, dot, scope), o.names, where);
      case 'func':
        return this.call(o.name, [], where, dot, scope);
    }
  }

  private command(command: Command, dot: Value, scope: Scope, where: string, piped: Value[]): Value {
    const [head, ...rest] = command;
    if (head!.o === 'func') {
      if (head!.name === 'and' || head!.name === 'or') {
        // Short-circuit, as text/template does since Go 1.18.
        const thunks = [
          ...rest.map((o) => () => this.operand(o, dot, scope, where)),
          ...piped.map((v) => () => v),
        ];
        let last: Value;
        for (const thunk of thunks) {
          last = thunk();
          if (head!.name === 'and' ? !truthy(last) : truthy(last)) return last;
        }
        return last;
      }
      const args = [...rest.map((o) => this.operand(o, dot, scope, where)), ...piped];
      return this.call(head!.name, args, where, dot, scope);
    }
    if (rest.length > 0 || piped.length > 0)
      throw new TemplateError(`${where}: can't give argument to non-function`);
    return this.operand(head!, dot, scope, where);
  }

  private call(name: string, args: Value[], where: string, _dot: Value, _scope: Scope): Value {
    const arity = (n: number) => {
      if (args.length !== n)
        throw new TemplateError(`${where}: ${name} wants ${n} arguments, got ${args.length}`);
    };
    const str = (v: Value) => {
      if (typeof v !== 'string')
        throw new TemplateError(`${where}: ${name} wants a string, got ${kindOf(v)}`);
      return v;
    };
    switch (name) {
      case 'include': {
        arity(2);
        const body = this.defines.get(str(args[0]));
        if (!body) throw new TemplateError(`${where}: no template ${JSON.stringify(args[0])}`);
        return this.exec(body, args[1], args[1]);
      }
      case 'not':
        arity(1);
        return !truthy(args[0]);
      case 'eq':
        arity(2);
        return compare('eq', args[0], args[1], where) === 0;
      case 'ne':
        arity(2);
        return compare('ne', args[0], args[1], where) !== 0;
      case 'lt':
        arity(2);
        return compare('lt', args[0], args[1], where) < 0;
      case 'le':
        arity(2);
        return compare('le', args[0], args[1], where) <= 0;
      case 'gt':
        arity(2);
        return compare('gt', args[0], args[1], where) > 0;
      case 'ge':
        arity(2);
        return compare('ge', args[0], args[1], where) >= 0;
      case 'index': {
        let cur = args[0];
        for (const key of args.slice(1)) {
          if (Array.isArray(cur)) {
            if (!(key instanceof GoInt))
              throw new TemplateError(`${where}: index of a slice with a ${kindOf(key)}`);
            if (key.value < 0 || key.value >= cur.length)
              throw new TemplateError(`${where}: index out of range`);
            cur = cur[key.value];
          } else if (
            cur instanceof GoStruct ||
            cur === null ||
            cur === undefined ||
            typeof cur !== 'object'
          ) {
            throw new TemplateError(`${where}: index of a ${kindOf(cur)}`);
          } else {
            const k = str(key);
            cur = Object.hasOwn(cur, k) ? (cur as Record<string, Value>)[k] : null;
          }
        }
        return cur;
      }
      case 'len':
        arity(1);
        if (typeof args[0] === 'string' || Array.isArray(args[0])) return new GoInt(args[0].length);
        if (args[0] && typeof args[0] === 'object') return new GoInt(Object.keys(args[0]).length);
        throw new TemplateError(`${where}: len of a ${kindOf(args[0])}`);
      case 'print':
        // fmt.Sprint: a space only between two operands that are both non-strings.
        return args
          .map((a, k) =>
            k > 0 && typeof a !== 'string' && typeof args[k - 1] !== 'string'
              ? ` ${goString(a, where)}`
              : goString(a, where),
          )
          .join('');
      case 'printf':
        return printf(str(args[0]), args.slice(1), where);
      case 'list':
        return [...args];
      case 'default':
        arity(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'required':
        arity(2);
        if (args[1] === null || args[1] === undefined || args[1] === '')
          throw new TemplateError(str(args[0]));
        return args[1];
      case 'fail':
        arity(1);
        throw new TemplateError(`execution error: ${str(args[0])}`);
      case 'trunc': {
        arity(2);
        const n = toInt(args[0], where);
        const s = str(args[1]);
        return n >= 0 ? s.slice(0, n) : s.slice(n);
      }
      case 'trimSuffix':
        arity(2);
        return str(args[1]).endsWith(str(args[0]))
          ? str(args[1]).slice(0, -str(args[0]).length || undefined)
          : args[1];
      case 'replace':
        arity(3);
        return str(args[2]).split(str(args[0])).join(str(args[1]));
      case 'contains':
        arity(2);
        return str(args[1]).includes(str(args[0]));
      case 'quote':
        return args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => goQuote(strval(a, where)))
          .join(' ');
      case 'toString':
        arity(1);
        return strval(args[0], where);
      case 'kindIs':
        arity(2);
        return kindOf(args[1]) === str(args[0]);
      case 'b64enc':
        arity(1);
        return Buffer.from(str(args[0]), 'utf8').toString('base64');
      case 'sha256sum':
        arity(1);
        return createHash('sha256').update(str(args[0])).digest('hex');
      case 'int':
        arity(1);
        return new GoInt(toInt(args[0], where));
      case 'add':
        return new GoInt(
          args.reduce<number>((sum, a) => sum + toInt(a, where), 0),
          'int64',
        );
      case 'toYaml':
        arity(1);
        return toYaml(args[0]);
      case 'indent':
        arity(2);
        return indent(toInt(args[0], where), str(args[1]));
      case 'nindent':
        arity(2);
        return `\n${indent(toInt(args[0], where), str(args[1]))}`;
      default:
        throw new TemplateError(
          `${where}: function ${JSON.stringify(name)} is not supported by this renderer`,
        );
    }
  }
}
