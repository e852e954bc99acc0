// Where an entry's data goes: a sink receives it as it streams, in views of the input that are
// valid only during the call.
export interface BodySink {
  write(chunk: Uint8Array): void;
  end(): void;
}
