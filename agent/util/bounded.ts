/**
 * What a scan keeps of things a job can make by the million: the first
 * `max` of them, and a count and a byte total of all. Memory stays flat
 * however many there are; the count still says how many.
 */
export class Sample<T> {
  readonly items: T[] = [];
  count = 0;
  bytes = 0;

  constructor(readonly max = 100) {}

  add(item: T, bytes = 0): void {
    this.count++;
    this.bytes += bytes;
    if (this.items.length < this.max) this.items.push(item);
  }

  /** How many were counted but not kept. */
  get omitted(): number {
    return this.count - this.items.length;
  }
}

/** "a, b, c and 97 more" of a sample of strings. */
export function listSample(s: Sample<string>, shown = 10): string {
  const more = s.count - Math.min(shown, s.items.length);
  return `${s.items.slice(0, shown).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * The `max` smallest items by `key` out of any number, in O(max) memory
 * (kept sorted in batches: amortised O(log max) per item).
 */
export class Smallest<T> {
  private buf: T[] = [];
  count = 0;

  constructor(
    readonly max: number,
    private readonly key: (t: T) => number,
    /** Orders items of equal key, so which are kept and their order do not depend on the order they came in. */
    private readonly tie?: (a: T, b: T) => number,
  ) {}

  add(item: T): void {
    this.count++;
    this.buf.push(item);
    if (this.buf.length >= this.max * 2) this.trim();
  }

  private trim(): void {
    this.buf.sort((a, b) => this.key(a) - this.key(b) || (this.tie?.(a, b) ?? 0));
    this.buf.length = Math.min(this.buf.length, this.max);
  }

  /** The kept items, smallest first. */
  sorted(): T[] {
    this.trim();
    return [...this.buf];
  }
}
