// A binary min-heap, for the seat index's best placements: the allocator asks for the best of
// thousands of candidates hundreds of times a batch, and a candidate that went stale is dropped
// when it reaches the top (lazy deletion) rather than searched for.

export interface MinHeap<T> {
  readonly size: number;
  push(item: T): void;
  peek(): T | undefined;
  pop(): T | undefined;
  /** Keeps only the items `keep` accepts, in O(size): how stale items are swept out in bulk. */
  retain(keep: (item: T) => boolean): void;
}

/** `before(a, b)`: whether `a` comes out before `b`. */
export function createMinHeap<T>(before: (a: T, b: T) => boolean): MinHeap<T> {
  let items: T[] = [];

  const up = (start: number) => {
    let i = start;
    const item = items[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as T;
      if (!before(item, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  };

  const down = (start: number) => {
    let i = start;
    const item = items[i] as T;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(items[right] as T, items[left] as T)) child = right;
      const below = items[child] as T;
      if (!before(below, item)) break;
      items[i] = below;
      i = child;
    }
    items[i] = item;
  };

  return {
    get size() {
      return items.length;
    },
    push(item) {
      items.push(item);
      up(items.length - 1);
    },
    peek: () => items[0],
    pop() {
      const top = items[0];
      const last = items.pop();
      if (items.length > 0 && last !== undefined) {
        items[0] = last;
        down(0);
      }
      return top;
    },
    retain(keep) {
      items = items.filter(keep);
      for (let i = (items.length >> 1) - 1; i >= 0; i--) down(i);
    },
  };
}
