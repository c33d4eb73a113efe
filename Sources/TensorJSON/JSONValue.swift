/// A JSON value.
///
/// Arrays whose elements are all numbers are parsed into `.numbers`, a contiguous
/// `NumberArray`, instead of an `.array` of boxed `.number` elements. The empty array `[]`
/// is parsed as `.numbers` with count 0. Arrays with at least one non-number element
/// (including nested arrays) are `.array`; their number elements are plain `.number`s.
///
/// Only `.numbers` knows the correctly rounded float32 value of each decimal text (see
/// `NumberArray.float32Values()`); a scalar `.number` keeps just the Double, so
/// `Float(d)` may differ from the decimal's float32 in the rare double-rounding case.
///
/// The enum needs no `indirect`: its recursive payloads (`[JSONValue]`, `JSONObject`) are
/// already heap-allocated collections, so scalars such as `.number` are stored inline.
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, as the correctly rounded Double of its decimal text (integers included).
    case number(Double)
    /// A string.
    case string(String)
    /// An array with at least one element that is not a number.
    case array([JSONValue])
    /// An object, members in document order.
    case object(JSONObject)
    /// An array whose elements are all numbers (or an empty array).
    case numbers(NumberArray)
}
