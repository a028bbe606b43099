// Small formatting helpers shared by the views: times, ages, sizes and aligned columns.
import { visibleLength } from './style.js';

/** `2026-11-28 19:26:35` in local time: what people read in a terminal. */
export function formatTime(value: string | number): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A duration in the largest sensible unit: `850 ms`, `4.2 s`, `3 min`, `2 h 5 min`, `3 d`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(abs)} ms`;
  if (abs < 10_000) return `${(abs / 1_000).toFixed(1)} s`;
  if (abs < 60_000) return `${Math.round(abs / 1_000)} s`;
  if (abs < 3_600_000) return `${Math.floor(abs / 60_000)} min`;
  if (abs < 86_400_000) {
    const minutes = Math.floor((abs % 3_600_000) / 60_000);
    return `${Math.floor(abs / 3_600_000)} h${minutes > 0 ? ` ${minutes} min` : ''}`;
  }
  return `${Math.floor(abs / 86_400_000)} d`;
}

/** `3 s ago` / `in 400 ms`, relative to `now`. */
export function formatRelative(value: string | number, now: number): string {
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return String(value);
  const delta = at - now;
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `label  value` pairs with the values aligned; a value may span lines (indented to match). */
export function fields(pairs: readonly (readonly [string, string] | undefined)[]): string[] {
  const present = pairs.filter((pair): pair is readonly [string, string] => pair !== undefined);
  const width = Math.max(0, ...present.map(([label]) => visibleLength(label)));
  return present.flatMap(([label, value]) =>
    value.split('\n').map((line, index) => `${index === 0 ? label + ' '.repeat(width - visibleLength(label)) : ' '.repeat(width)}  ${line}`),
  );
}

/** Rows as columns padded to the widest cell; the last column is never padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  );
}
