// Where an entry's data goes: a sink receives it as it streams, in views of the input that are
// valid only during the call.
export interface BodySink {
  write(chunk: Uint8Array): void;
  end(): void;
}

/** One sink that feeds two: the same views, in the same order. */
export function teeSink(a: BodySink, b: BodySink): BodySink {
  return {
    write(chunk) {
      a.write(chunk);
      b.write(chunk);
    },
    end() {
      a.end();
      b.end();
    },
  };
}

/** Two optional sinks as one: null when neither wants the body. */
export function bothSinks(a: BodySink | null, b: BodySink | null): BodySink | null {
  return a && b ? teeSink(a, b) : a ?? b;
}
