import Foundation
import Testing
@testable import Registry

@Suite struct JSONParserTests {
    private func parse(_ s: String) throws(JSONParser.SyntaxError) -> JSONNode { try JSONParser.parse(Array(s.utf8)) }

    private func error(_ s: String) -> (line: Int, column: Int, message: String)? {
        do {
            _ = try parse(s)
            return nil
        } catch {
            let (l, c) = JSONText.position(of: error.offset, in: Array(s.utf8))
            return (l, c, error.message)
        }
    }

    @Test func keepsMemberOrderAndValues() throws {
        let n = try parse(#"{"z": 1, "a": [true, false, null], "m": {"k": "v"}, "n": -2.5e2}"#)
        guard case .object(let m) = n.value else { Issue.record("not an object"); return }
        #expect(m.map(\.key) == ["z", "a", "m", "n"])
        guard case .number(let d) = m[3].node.value else { Issue.record("n is not a number"); return }
        #expect(d == -250)
        guard case .array(let a) = m[1].node.value else { Issue.record("a is not an array"); return }
        #expect(a.count == 3)
    }

    @Test func decodesEscapesAndUnicode() throws {
        let n = try parse(#"["a\"b\\c\/d\n\t", "\u00e9\ud83d\udcf7", "ünï"]"#)
        guard case .array(let a) = n.value, case .string(let s0) = a[0].value, case .string(let s1) = a[1].value,
              case .string(let s2) = a[2].value else { Issue.record("shape"); return }
        #expect(s0 == "a\"b\\c/d\n\t")
        #expect(s1 == "é📷")
        #expect(s2 == "ünï")
    }

    /// Values agree with Foundation's parser on documents both accept.
    @Test(arguments: [
        #"{"id": "x", "interval": 0.25, "big": 12345678901234567, "e": 1E-3, "neg": -0, "arr": [1, 2.5, "s"]}"#,
        #"[{"a": {"b": {"c": [[], {}]}}}, 1e300, -1.5e-300]"#,
    ])
    func agreesWithFoundation(_ text: String) throws {
        let mine = try parse(text)
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        #expect(equal(mine.value, theirs))
    }

    private func equal(_ v: JSONValue, _ f: Any) -> Bool {
        switch v {
        case .null: return f is NSNull
        case .bool(let b): return (f as? Bool) == b
        case .number(let d):
            guard let n = f as? NSNumber else { return false }
            return n.doubleValue == d
        case .string(let s): return (f as? String) == s
        case .array(let a):
            guard let fa = f as? [Any], fa.count == a.count else { return false }
            return zip(a, fa).allSatisfy { equal($0.value, $1) }
        case .object(let m):
            guard let fd = f as? [String: Any], fd.count == m.count else { return false }
            return m.allSatisfy { mem in fd[mem.key].map { equal(mem.node.value, $0) } ?? false }
        }
    }

    @Test func reportsLineAndColumn() {
        let e = error("{\n  \"a\": 1\n  \"b\": 2\n}")
        #expect(e?.line == 3)
        #expect(e?.column == 3)
        #expect(e?.message.contains("expected ',' or '}'") == true)
        // Columns count characters, not bytes.
        let u = error("{\"é\": x}")
        #expect(u?.line == 1)
        #expect(u?.column == 7)
    }

    @Test(arguments: [
        ("", "empty"), ("{", "ends inside an object"), ("[1,]", "trailing comma"), ("{\"a\":1,}", "trailing comma"),
        ("{'a': 1}", "double quotes"), ("[01]", "leading zeros"), ("[1.]", "decimal point"), ("[1e]", "exponent"),
        ("[-]", "digits"), ("[\"a]", "not closed"), ("[\"\\x\"]", "unknown escape"), ("[\"\\ud800\"]", "surrogate"),
        ("[tru]", "expected a value"), ("{} {}", "after the end"), ("{\"a\": 1, \"a\": 2}", "appears twice"),
        ("[\"a\tb\"]", "control character"), ("[1e999]", "out of range"),
    ])
    func rejects(_ text: String, _ fragment: String) {
        let e = error(text)
        #expect(e != nil, "accepted \(text)")
        #expect(e?.message.contains(fragment) == true, "message for \(text): \(e?.message ?? "-")")
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(error(deep)?.message.contains("nesting") == true)
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(error(ok) == nil)
    }
}
