// TensorJSON: strict RFC 8259 JSON for a tensor service.
//
// - `JSONParser` turns bytes into a `JSONValue`; arrays of numbers become a contiguous
//   `NumberArray` (no boxing per element) that also knows each element's correctly rounded
//   float32 value.
// - `JSONWriter` appends JSON to a `[UInt8]`, writing every number in the shortest form that
//   reads back as the same Float or Double.
//
// The module uses Glibc only (no Foundation).
