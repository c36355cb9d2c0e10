/**
 * Renders results into docs/benchmarks.md (one table per benchmark between
 * `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`) and the headline ratios into the README
 * (`<!-- bench:headline -->`). Prose around the markers is kept: it explains what the numbers mean.
 */
import type { BenchResult, BenchRow } from './report.js';

const fmt = (n: number | undefined, unit = ''): string => {
  if (n === undefined || Number.isNaN(n)) return '–';
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return `${n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })}${unit}`;
};

const pair = (a: number | undefined, b: number | undefined) =>
  a === undefined && b === undefined ? '–' : `${fmt(a)} / ${fmt(b)}`;

/** `0.24×` for throughput; for times and sizes the factor reads as "N× slower/larger". */
export function ratioText(row: BenchRow): string {
  return `${row.ratio.toLocaleString('en-US', { maximumFractionDigits: row.ratio >= 10 ? 0 : 2 })}×`;
}

export function machineLine(result: BenchResult): string {
  const m = result.machine;
  return `Measured ${result.date.slice(0, 10)} on ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}.`;
}

export function renderTable(result: BenchResult): string {
  const lines = [
    '| case | Annex | against | their figure | ratio (Annex / them) | Annex p50 / p99 ms | their p50 / p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of result.rows) {
    lines.push(
      `| ${r.case} | ${fmt(r.ours)} ${r.unit} | ${r.against} | ${fmt(r.other)} ${r.unit} | ${ratioText(r)}${r.higherIsBetter ? '' : ' (lower is better)'} | ${pair(r.oursP50Ms, r.oursP99Ms)} | ${pair(r.otherP50Ms, r.otherP99Ms)} |`,
    );
  }
  const out = [lines.join('\n'), '', machineLine(result)];
  // Row notes say what exactly was compared; one line per distinct note keeps repeated ones short.
  const rowNotes = new Map<string, string[]>();
  for (const r of result.rows) {
    if (r.note) rowNotes.set(r.note, [...(rowNotes.get(r.note) ?? []), r.case]);
  }
  if (rowNotes.size > 0) {
    out.push('', ...[...rowNotes].map(([note, cases]) => `- ${[...new Set(cases)].join('; ')}: ${note}`));
  }
  if (result.extra && Object.keys(result.extra).length > 0) {
    out.push(
      '',
      ...Object.entries(result.extra).map(
        ([k, v]) => `- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
      ),
    );
  }
  if (result.notes?.length) out.push('', ...result.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i === -1 || j === -1 || j < i) {
    return `${text.trimEnd()}\n\n${start}\n${body}\n${end}\n`;
  }
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/** One line per row of every result: the README's headline figures. */
export function renderHeadline(results: BenchResult[]): string {
  const lines = ['| benchmark | case | Annex | against | ratio |', '| --- | --- | --- | --- | --- |'];
  for (const result of results) {
    for (const r of result.rows) {
      lines.push(
        `| ${result.name} | ${r.case} | ${fmt(r.ours)} ${r.unit} | ${r.against}: ${fmt(r.other)} ${r.unit} | ${ratioText(r)}${r.higherIsBetter ? '' : ' (lower is better)'} |`,
      );
    }
  }
  return lines.join('\n');
}
