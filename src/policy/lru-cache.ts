/**
 * A bounded map that forgets entries not used lately: the CLOCK approximation of least recently
 * used. A hit only sets a flag; the eviction order lives in a ring of keys. A V8 Map is never
 * reordered or iterated here: moving an entry to its end (delete, then set) or reading its oldest
 * key after many deletions costs tens of microseconds on a large map, more than a cached decision.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; used: boolean }>();
  private readonly ring: K[] = [];
  private hand = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.used = true;
      return;
    }
    if (this.ring.length < this.capacity) {
      this.entries.set(key, { value, used: false });
      this.ring.push(key);
      return;
    }
    // The hand passes over entries used since it last came by, clearing their flag: a second chance.
    for (;;) {
      const old = this.ring[this.hand]!;
      const oldEntry = this.entries.get(old)!;
      if (oldEntry.used) {
        oldEntry.used = false;
        this.hand = (this.hand + 1) % this.capacity;
        continue;
      }
      this.entries.delete(old);
      this.ring[this.hand] = key;
      this.entries.set(key, { value, used: false });
      this.hand = (this.hand + 1) % this.capacity;
      return;
    }
  }
}
