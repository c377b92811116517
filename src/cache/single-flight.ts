/** getOrSet over any cache: one loader call for concurrent misses of a key in this process. */
export class SingleFlight {
  readonly #inFlight = new Map<string, Promise<unknown>>();

  /** `fn` learns through `current()` whether its flight is still the key's, i.e. not forgotten. */
  run<T>(key: string, fn: (current: () => boolean) => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running) return running as Promise<T>;
    const current = () => this.#inFlight.get(key) === flight;
    // Started a microtask later, so `flight` is registered before `fn` can ask about it.
    const flight: Promise<T> = Promise.resolve()
      .then(() => fn(current))
      .finally(() => {
        if (current()) this.#inFlight.delete(key);
      });
    this.#inFlight.set(key, flight);
    return flight;
  }

  /** The key was written: its flight may finish but must not store, and later callers start anew. */
  forget(key: string): void {
    this.#inFlight.delete(key);
  }

  forgetMatching(pattern: RegExp): void {
    for (const key of this.#inFlight.keys()) if (pattern.test(key)) this.#inFlight.delete(key);
  }
}
