/**
 * Fixed-width text table layout with spanning cells, per-column left margins and "shrink"
 * columns that never grow to fit a span. Widths count code points, so "µ" and "│" are one.
 */

/** Align is how a cell's text sits within its width. */
export type Align = 'left' | 'center' | 'right';

interface TextCell {
  row: number;
  col: number;
  span: number;
  value: string;
  leftMargin: string;
  align: Align;
}

/** CellOptions: alignment and the margin printed before the cell. */
export interface CellOptions {
  align?: Align;
  leftMargin?: string;
}

const width = (s: string) => [...s].length;

/** TextTable collects cells row by row and lays them out in Format. */
export class TextTable {
  private readonly cells: TextCell[] = [];
  private cols = 0;
  private readonly shrink: boolean[] = [];
  private curRow = 0;
  private curCol = 0;

  /** row starts a new row. */
  row(): this {
    if (this.cells.length > 0) this.curRow++;
    this.curCol = 0;
    return this;
  }

  /** col moves to column `col` of the current row (never backwards). */
  col(col: number): this {
    if (col < this.curCol) throw new Error(`cannot move from column ${this.curCol} to earlier column ${col}`);
    this.curCol = col;
    return this;
  }

  /** currentCol is the next column a cell would occupy. */
  currentCol(): number {
    return this.curCol;
  }

  /** cell adds a one-column cell. */
  cell(value: string, opts: CellOptions = {}): this {
    return this.span(1, value, opts);
  }

  /** span adds a cell covering `cols` columns. */
  span(cols: number, value: string, opts: CellOptions = {}): this {
    // The first column and empty cells default to no margin.
    const defaultMargin = this.curCol === 0 || value.length === 0 ? '' : ' ';
    this.cells.push({
      row: this.curRow,
      col: this.curCol,
      span: cols,
      value,
      leftMargin: opts.leftMargin ?? defaultMargin,
      align: opts.align ?? 'left',
    });
    this.curCol += cols;
    this.cols = Math.max(this.cols, this.curCol);
    return this;
  }

  /** setShrink marks a column that spanning cells must not widen. */
  setShrink(col: number, shrink: boolean): void {
    while (this.shrink.length < col + 1) this.shrink.push(false);
    this.shrink[col] = shrink;
  }

  /** format lays the table out; every row ends in "\n" and trailing empty cells print nothing. */
  format(): string {
    const isShrink = (c: number) => this.shrink[c] ?? false;
    const lmargin = new Array<number>(this.cols).fill(0);
    for (const c of this.cells) lmargin[c.col] = Math.max(lmargin[c.col], width(c.leftMargin));

    const ws = new Array<number>(this.cols).fill(0);
    // Narrow spans first, so wide spans only add what the columns below them still lack.
    const bySpan = [...this.cells].sort((a, b) => a.span - b.span);
    for (const c of bySpan) {
      let w = width(c.value) + lmargin[c.col];
      if (c.span === 1) {
        ws[c.col] = Math.max(ws[c.col], w);
        continue;
      }
      let have = 0;
      for (let i = c.col; i < c.col + c.span; i++) have += ws[i];
      if (have >= w) continue;
      const grow: number[] = [];
      for (let i = c.col; i < c.col + c.span; i++) {
        if (isShrink(i)) w -= ws[i];
        else grow.push(i);
      }
      // Widest first: columns already past the average give their excess to the narrower ones.
      grow.sort((a, b) => ws[b] - ws[a]);
      let left = grow.length;
      for (const i of grow) {
        const avg = Math.ceil(w / left);
        ws[i] = Math.max(ws[i], avg);
        w -= ws[i];
        left--;
      }
    }

    const offs: number[] = [];
    let off = 0;
    for (const w of ws) {
      offs.push(off);
      off += w;
    }
    offs.push(off);

    const ordered = [...this.cells].sort((a, b) => a.row - b.row || a.col - b.col);
    let out = '';
    let row = 0;
    let pos = 0;
    for (const c of ordered) {
      if (c.value.trim() === '' && c.leftMargin.trim() === '') continue;
      while (c.row > row) {
        out += '\n';
        row++;
        pos = 0;
      }
      const spaces = offs[c.col] - pos;
      out += ' '.repeat(Math.max(0, spaces)) + c.leftMargin.padStart(lmargin[c.col]);
      pos += spaces + lmargin[c.col];
      const total = offs[c.col + c.span] - offs[c.col] - lmargin[c.col];
      const text = pad(c.value, total, c.align);
      out += text;
      pos += width(text);
    }
    if (this.cells.length > 0) out += '\n';
    return out;
  }
}

function pad(s: string, w: number, align: Align): string {
  const n = width(s);
  if (align === 'center') return ' '.repeat(Math.max(0, Math.floor((w - n) / 2))) + s;
  if (align === 'right') return ' '.repeat(Math.max(0, w - n)) + s;
  return s;
}
