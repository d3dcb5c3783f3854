/// A strict RFC 8259 JSON parser over UTF-8 bytes that reports errors by byte offset (turned into
/// line:column by `JSONText`) and keeps object members in source order.
///
/// Why hand-written: registry errors must say "line 7, column 12", and Foundation's parser on Linux does
/// not. It is also faster than `JSONSerialization` + bridging for the 10,000-file registries camsift is
/// sized for, since it builds Swift values directly.
struct JSONParser {
    struct SyntaxError: Error, Sendable {
        var offset: Int
        /// What is wrong, e.g. "expected ',' or '}' after an object member".
        var message: String
        /// How to fix it, concretely.
        var fix: String
    }

    /// Nesting beyond this is refused rather than risking the stack on hostile input.
    static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one JSON document (a UTF-8 byte-order mark is skipped).
    static func parse(_ data: [UInt8]) throws(SyntaxError) -> JSONNode {
        let result: Result<JSONNode, SyntaxError> = data.withUnsafeBufferPointer { buf in
            var p = JSONParser(buf)
            do throws(SyntaxError) {
                return .success(try p.document())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func document() throws(SyntaxError) -> JSONNode {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        skipWhitespace()
        guard i < bytes.count else {
            throw SyntaxError(offset: i, message: "the file is empty",
                              fix: "write one camera object {\"id\": ..., \"kind\": ..., \"url\": ..., \"interval\": ...} or delete the file")
        }
        let node = try value()
        skipWhitespace()
        guard i == bytes.count else {
            throw SyntaxError(offset: i, message: "unexpected \(describe(i)) after the end of the top-level value",
                              fix: "a registry file holds exactly one JSON object; remove the extra text or split it into another file")
        }
        return node
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private func describe(_ at: Int) -> String {
        guard at < bytes.count else { return "end of file" }
        let b = bytes[at]
        if b >= 0x21 && b < 0x7F { return "'\(Character(UnicodeScalar(b)))'" }
        return hexByte(b)
    }

    private func hexByte(_ b: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "byte 0x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
    }

    private mutating func value() throws(SyntaxError) -> JSONNode {
        let start = i
        guard i < bytes.count else {
            throw SyntaxError(offset: i, message: "the file ends where a value was expected",
                              fix: "the file looks cut off; complete it or restore it from the last good copy")
        }
        switch bytes[i] {
        case UInt8(ascii: "{"): return JSONNode(offset: start, value: try object())
        case UInt8(ascii: "["): return JSONNode(offset: start, value: try array())
        case UInt8(ascii: "\""): return JSONNode(offset: start, value: .string(try string()))
        case UInt8(ascii: "t"): try literal("true"); return JSONNode(offset: start, value: .bool(true))
        case UInt8(ascii: "f"): try literal("false"); return JSONNode(offset: start, value: .bool(false))
        case UInt8(ascii: "n"): try literal("null"); return JSONNode(offset: start, value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONNode(offset: start, value: .number(try number()))
        case UInt8(ascii: "'"):
            throw SyntaxError(offset: i, message: "strings must use double quotes", fix: "replace ' with \"")
        default:
            throw SyntaxError(offset: i, message: "expected a value but found \(describe(i))",
                              fix: "values are \"strings\", numbers, true, false, null, [arrays] or {objects}; quote text values")
        }
    }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let n = word.utf8CodeUnitCount
        let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
        guard i + n <= bytes.count, (0..<n).allSatisfy({ bytes[i + $0] == w[$0] }) else {
            throw SyntaxError(offset: i, message: "expected a value but found \(describe(i))",
                              fix: "literals are lower-case true, false, null; quote text values")
        }
        i += n
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > JSONParser.maxDepth {
            throw SyntaxError(offset: i, message: "nesting is deeper than \(JSONParser.maxDepth) levels",
                              fix: "registry files need at most 4 levels; check for a generator bug")
        }
    }

    private mutating func object() throws(SyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1  // {
        var members: [JSONMember] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                    throw SyntaxError(offset: i, message: "trailing comma before '}'", fix: "remove the last ','")
                }
                if i == bytes.count {
                    throw SyntaxError(offset: i, message: "the file ends inside an object",
                                      fix: "add the missing '}' (the file may be cut off)")
                }
                throw SyntaxError(offset: i, message: "expected a field name in double quotes but found \(describe(i))",
                                  fix: "write fields as \"name\": value")
            }
            let keyOffset = i
            let key = try string()
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw SyntaxError(offset: i, message: "expected ':' after field name \"\(key)\" but found \(describe(i))",
                                  fix: "write \"\(key)\": value")
            }
            i += 1
            skipWhitespace()
            let node = try value()
            if members.contains(where: { $0.key == key }) {
                throw SyntaxError(offset: keyOffset, message: "field \"\(key)\" appears twice in the same object",
                                  fix: "keep one \"\(key)\"; JSON tools disagree on which one wins")
            }
            members.append(JSONMember(key: key, node: node))
            skipWhitespace()
            guard i < bytes.count else {
                throw SyntaxError(offset: i, message: "the file ends inside an object",
                                  fix: "add the missing '}' (the file may be cut off)")
            }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw SyntaxError(offset: i, message: "expected ',' or '}' after field \"\(key)\" but found \(describe(i))",
                              fix: "add a ',' between fields or close the object with '}'")
        }
    }

    private mutating func array() throws(SyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1  // [
        var items: [JSONNode] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                throw SyntaxError(offset: i, message: "trailing comma before ']'", fix: "remove the last ','")
            }
            items.append(try value())
            skipWhitespace()
            guard i < bytes.count else {
                throw SyntaxError(offset: i, message: "the file ends inside an array",
                                  fix: "add the missing ']' (the file may be cut off)")
            }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw SyntaxError(offset: i, message: "expected ',' or ']' in an array but found \(describe(i))",
                              fix: "add a ',' between items or close the array with ']'")
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        let open = i
        i += 1  // opening quote
        let start = i
        var sawHigh = false
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let s = try decodeUTF8(start, i, sawHigh: sawHigh)
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw controlCharacter(at: i) }
            if b >= 0x80 { sawHigh = true }
            i += 1
        }
        guard i < bytes.count else {
            throw SyntaxError(offset: open, message: "string is not closed", fix: "add the closing '\"'")
        }
        // Slow path: escapes.
        var out = [UInt8](bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw SyntaxError(offset: open, message: "string is not valid UTF-8", fix: "save the file as UTF-8")
                }
                return s
            }
            if b < 0x20 { throw controlCharacter(at: i) }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw SyntaxError(offset: i, message: "lone UTF-16 high surrogate in \\u escape",
                                          fix: "write the character itself or a complete \\uD8xx\\uDCxx pair")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw SyntaxError(offset: i - 6, message: "invalid UTF-16 low surrogate in \\u escape",
                                          fix: "write the character itself")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else {
                    throw SyntaxError(offset: i - 6, message: "\\u escape is not a Unicode character",
                                      fix: "write the character itself")
                }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw SyntaxError(offset: i - 2, message: "unknown escape '\\\(Character(UnicodeScalar(e)))' in a string",
                                  fix: "escape a backslash as \\\\ (Windows paths: use '/' instead)")
            }
        }
        throw SyntaxError(offset: open, message: "string is not closed", fix: "add the closing '\"'")
    }

    private func controlCharacter(at: Int) -> SyntaxError {
        if bytes[at] == 0x0A {
            return SyntaxError(offset: at, message: "line break inside a string (a closing '\"' is missing?)",
                               fix: "close the string on the same line, or write a line break as \\n")
        }
        return SyntaxError(offset: at, message: "control character \(hexByte(bytes[at])) inside a string",
                           fix: "escape it (\\t for a tab) or remove it")
    }

    private func decodeUTF8(_ from: Int, _ to: Int, sawHigh: Bool) throws(SyntaxError) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[from..<to])
        if !sawHigh { return String(decoding: slice, as: UTF8.self) }
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw SyntaxError(offset: from - 1, message: "string is not valid UTF-8", fix: "save the file as UTF-8")
        }
        return s
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard i + 4 <= bytes.count else {
            throw SyntaxError(offset: i, message: "incomplete \\u escape", fix: "write \\u followed by 4 hex digits")
        }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default:
                throw SyntaxError(offset: i + k, message: "invalid hex digit in \\u escape",
                                  fix: "write \\u followed by 4 hex digits")
            }
            v = v << 4 | d
        }
        i += 4
        return v
    }

    private mutating func number() throws(SyntaxError) -> Double {
        let start = i
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
            return p.i - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        let intDigits = digits(&self)
        guard intDigits > 0 else {
            throw SyntaxError(offset: start, message: "'-' is not followed by digits", fix: "write a number like -1.5")
        }
        if intDigits > 1, bytes[intStart] == UInt8(ascii: "0") {
            throw SyntaxError(offset: start, message: "numbers may not have leading zeros",
                              fix: "drop the leading 0, or quote the value if it is an id like \"0012\"")
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else {
                throw SyntaxError(offset: i, message: "a digit must follow the decimal point", fix: "write 1.0 or 1, not 1.")
            }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else {
                throw SyntaxError(offset: i, message: "an exponent needs digits", fix: "write 1e3, not 1e")
            }
        }
        // Small integers (the common case: intervals, timeouts) skip the String round trip.
        if i - start <= 15, !bytes[start..<i].contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) {
            var v: Int64 = 0
            for b in bytes[(bytes[start] == 0x2D ? start + 1 : start)..<i] { v = v * 10 + Int64(b - 0x30) }
            return bytes[start] == 0x2D ? -Double(v) : Double(v)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw SyntaxError(offset: start, message: "number \(text) is out of range", fix: "use a smaller number")
        }
        return d
    }
}
