/** The `bencode` package (test oracle only) ships no types. */
declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array): unknown;
  };
  export default bencode;
}
