// Cuts a text or a body at arbitrary points (fast-check gives them), as a network might deliver it:
// every streamed reader must give the same result however its input is cut.

/** `whole` cut at `points` (any values, in any order; taken modulo the length, repeats dropped). */
export function cutAt<T extends string | Buffer>(whole: T, points: readonly number[]): T[] {
  const at = [...new Set(points.map((point) => point % (whole.length + 1)))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const point of [...at, whole.length]) {
    if (point > from) pieces.push(whole.slice(from, point) as T);
    from = Math.max(from, point);
  }
  return pieces;
}
