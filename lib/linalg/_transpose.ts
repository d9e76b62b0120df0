/**
 * A cache-friendly transposing copy between Float64 buffers.
 *
 * @module
 */

/**
 * Copies the rows×cols matrix `src[so + i·ls + j]` to `dst[dOff + j·ld + i]`
 * (its transpose), in square tiles so that both sides stay in cache, four
 * source rows at a time so that the writes are runs of four.
 */
export function transpose(
  src: Float64Array,
  so: number,
  ls: number,
  dst: Float64Array,
  dOff: number,
  ld: number,
  rows: number,
  cols: number,
): void {
  const TILE = 32;
  for (let j0 = 0; j0 < cols; j0 += TILE) {
    const j1 = Math.min(cols, j0 + TILE);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(rows, i0 + TILE);
      let i = i0;
      for (; i + 4 <= i1; i += 4) {
        for (
          let j = j0, s = so + i * ls + j0, d = dOff + j0 * ld + i;
          j < j1;
          j++, s++, d += ld
        ) {
          dst[d] = src[s];
          dst[d + 1] = src[s + ls];
          dst[d + 2] = src[s + 2 * ls];
          dst[d + 3] = src[s + 3 * ls];
        }
      }
      for (; i < i1; i++) {
        for (
          let j = j0, s = so + i * ls + j0, d = dOff + j0 * ld + i;
          j < j1;
          j++, s++, d += ld
        ) {
          dst[d] = src[s];
        }
      }
    }
  }
}
