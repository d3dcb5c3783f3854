/// A parsed JSON value that remembers where it came from and keeps object members in file order.
///
/// Registry files are hand-edited, so errors must point at a line and column, and "unknown field" warnings
/// read best in the order the user wrote them. Foundation's `JSONSerialization` gives neither (its Linux
/// errors carry no position and its dictionaries lose key order), hence this small tree.
struct JSONNode: Sendable {
    /// Byte offset of the value's first byte in the source; `JSONText.position(of:)` turns it into line:column.
    var offset: Int
    var value: JSONValue
}

enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    /// Members in source order. Duplicate keys are rejected by the parser, so lookups may take the first.
    case object([JSONMember])

    /// "a string", "a number", ... for messages like `is a string, not a number`.
    var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// "a number (5)", "a string (\"x\")", "null": the type with the value, for "is X, not Y" messages.
    var described: String {
        switch self {
        case .null: "null"
        case .bool, .number, .string, .array, .object: "\(typeDescription) (\(excerpt))"
        }
    }

    /// A short rendering of the value for messages (strings quoted and clipped).
    var excerpt: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return JSONValue.format(d)
        case .string(let s):
            let clipped = s.count > 60 ? String(s.prefix(57)) + "..." : s
            return "\"" + clipped + "\""
        case .array(let a): return "[...] (\(a.count) items)"
        case .object(let m): return "{...} (\(m.count) fields)"
        }
    }

    /// `10` rather than `10.0` for integral values, so messages echo what the user typed.
    static func format(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }
}

struct JSONMember: Sendable {
    var key: String
    var node: JSONNode
}
