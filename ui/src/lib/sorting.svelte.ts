// Sorting a table by the column whose header was clicked: again reverses it. Text compares as
// Vietnamese text (tone marks after the base letter, đ after d), numbers and dates in order.
const collator = new Intl.Collator("vi", { numeric: true });

export type SortValue = string | number | null | undefined;

export class Sorting<T> {
  key = $state<string | null>(null);
  descending = $state(false);

  constructor(private readonly columns: Record<string, (row: T) => SortValue>) {}

  toggle(key: string) {
    if (this.key === key) this.descending = !this.descending;
    else {
      this.key = key;
      this.descending = false;
    }
  }

  apply(rows: T[]): T[] {
    const get = this.key ? this.columns[this.key] : undefined;
    if (!get) return rows;
    const sign = this.descending ? -1 : 1;
    return [...rows].sort((a, b) => sign * compare(get(a), get(b)));
  }

  /** aria-sort of a column. */
  state(key: string): "ascending" | "descending" | "none" {
    return this.key !== key ? "none" : this.descending ? "descending" : "ascending";
  }
}

function compare(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}
