#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CamsiftCore
import Console
import Foundation
import Labels
import WebServer

/// The request generator: run R's request depends only on (seed, R).
enum Gen {
    struct RNG: RandomNumberGenerator {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
        mutating func pick<T>(_ a: [T]) -> T { a[Int.random(in: 0..<a.count, using: &self)] }
        mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &self) }
    }

    static let routes = [
        "/", "/cameras", "/cameras/{cam}", "/cameras/{cam}/latest.jpg", "/review", "/review/{n}.jpg", "/dataset", "/models",
        "/static/console.js", "/static/console.css", "/api/label", "/api/mark", "/api/undo", "/api/labels", "/api/retrain",
        "/api/rollback", "/api/cameras",
    ]
    static let methods = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD"]
    static let oddMethods = ["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "post", "", " GET", "GET\0", "ÄÖÜ"]
    static let numbers = ["0", "1", "2", "3", "17", "-1", "-0", "+1", " 1", "1 ", "01", "1.5", "1e3", "0x10",
                          "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                          "99999999999999999999999999", "4294967296", "192153584101141164", "384307168202282326", "NaN", "١٢٣"]
    static let junkSegments = ["..", ".", "", "%2e%2e", "%2F", "%00", "..%2f..%2fetc", "etc", "passwd", "/etc/passwd",
                               "..\\..\\windows", "~", "~root", "fuzzcanary", "fuzzcanary.jpg", "latest.jpg", "console.js",
                               "api", "cameras", "review", "static", "ü", "日本語", "🎥", "\u{202E}gpj.exe", "<script>",
                               "\"'", "a\u{0}b", "\r\nX-Injected: 1", "%", "%zz", "+", " ", "\t", ".camsift", "unlabeled",
                               "CON", "NUL", "labels.sqlite", ".camsift/labels.sqlite", "/proc/self/environ"]
    static let labelNames = ["road", "car", "tree", "person", "delivery van", "nacht-zug", "日本", "ü"]
    static let junkLabels = ["", " ", " road", "road ", "../etc", "..", ".hidden", "a/b", "a\\b", "unlabeled", "fuzzcanary/../x",
                             "/tmp/fuzzcanary", "road\0", "<b>x</b>", "a,b", "x\ny", "🎥", "%2e%2e"]
    static let queryKeys = ["state", "label", "tag", "q", "page", "camera", "reason", "unsure", "ids", "csrf", "t", "x", ""]
    static let formKeys = ["ids", "label", "verdict", "name", "csrf", "ids", "label", "y"]

    static func request(seed: UInt64, run: Int) -> HTTPRequest {
        var g = RNG(s: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(truncatingIfNeeded: run) &* 0x9E37_79B9_7F4A_7C15)
        _ = g.next()
        let method = g.chance(0.9) ? g.pick(methods) : (g.chance(0.7) ? g.pick(oddMethods) : randomString(&g, max: 12))
        let path = g.chance(0.88) ? grammarPath(&g, run: run) : randomPath(&g)
        var query: [String: String] = [:]
        for _ in 0..<g.int(0...(g.chance(0.3) ? 0 : 4)) { query[g.chance(0.9) ? g.pick(queryKeys) : randomString(&g, max: 8)] = value(&g, run: run) }
        var form: [String: String] = [:]
        if method == "POST" || g.chance(0.05) {
            for _ in 0..<g.int(0...4) {
                let key = g.chance(0.92) ? g.pick(formKeys) : randomString(&g, max: 8)
                form[key] = key == "name" || key == "label" ? labelValue(&g) : key == "verdict" ? verdict(&g) : value(&g, run: run)
            }
        }
        return HTTPRequest(method: method, path: path, query: query, form: form,
                           headers: g.chance(0.1) ? ["origin": "http://evil.example", "x-csrf-token": "csrf"] : [:],
                           remoteAddress: g.chance(0.95) ? "127.0.0.1" : "::1")
    }

    /// `String(repeating:count:)`, cached: the same long strings recur, and building them dominated the run.
    nonisolated(unsafe) static var repeats: [String: String] = [:]
    static func repeated(_ unit: String, count: Int) -> String {
        let key = "\(count) " + unit
        if let s = repeats[key] { return s }
        let s = String(repeating: unit, count: count)
        repeats[key] = s
        return s
    }

    static func grammarPath(_ g: inout RNG, run: Int) -> String {
        var segs = g.pick(routes).split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { s -> String in
            switch s {
            case "{cam}": return g.chance(0.7) ? g.pick(FuzzFixture.cameraIDs) : segment(&g)
            case "{n}.jpg": return (g.chance(0.6) ? itemID(&g, run: run) : g.pick(numbers)) + (g.chance(0.9) ? ".jpg" : g.pick(["", ".JPG", ".jpg.jpg", ".png"]))
            default: return String(s)
            }
        }
        for _ in 0..<(g.chance(0.4) ? 0 : g.int(1...3)) {
            switch g.int(0...7) {
            case 0 where !segs.isEmpty: segs[g.int(0...segs.count - 1)] = segment(&g)
            case 1: segs.insert(segment(&g), at: g.int(0...segs.count))
            case 2 where !segs.isEmpty: segs.remove(at: g.int(0...segs.count - 1))
            case 3: segs.insert(contentsOf: Array(repeating: "..", count: g.int(1...8)), at: g.int(0...segs.count))
            case 4: segs.append(segment(&g))
            case 5 where !segs.isEmpty: segs[segs.count - 1] += g.pick(["/", "//", "?", "#", ";x", "%20", "\0", ".."])
            case 6: segs.insert("", at: g.int(0...segs.count))  // a double slash
            default: if !segs.isEmpty { segs[g.int(0...segs.count - 1)] = Gen.repeated(g.pick(["a", "é", "/", ".", "%"]), count: g.pick([256, 4096, 70_000])) }
            }
        }
        let p = "/" + segs.joined(separator: "/")
        return g.chance(0.03) ? String(p.dropFirst()) : p
    }

    static func segment(_ g: inout RNG) -> String {
        switch g.int(0...9) {
        case 0...3: return g.pick(junkSegments)
        case 4, 5: return g.pick(numbers)
        case 6: return randomString(&g, max: 40)
        case 7: return g.pick(FuzzFixture.cameraIDs) + g.pick(["", "/..", "%00", ".jpg", " "])
        case 8: return Gen.repeated(g.pick(["x", "..", "ü", "9"]), count: g.pick([1, 2, 3, 50, 255, 256, 257, 1000, 3000]))
        default: return g.pick(routes).replacingOccurrences(of: "/", with: g.pick(["", "%2F", "/"]))
        }
    }

    static func randomPath(_ g: inout RNG) -> String {
        let bytes = (0..<g.int(0...200)).map { _ in g.chance(0.15) ? UInt8(ascii: "/") : UInt8.random(in: 0...255, using: &g) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func randomString(_ g: inout RNG, max: Int) -> String {
        String(decoding: (0..<g.int(0...max)).map { _ in UInt8.random(in: 0...255, using: &g) }, as: UTF8.self)
    }

    /// A review item id that likely exists: the fixture offers 3 items per 1,000 runs.
    static func itemID(_ g: inout RNG, run: Int) -> String { String(g.int(1...(run / 1000 * 3 + 3))) }

    static func value(_ g: inout RNG, run: Int) -> String {
        switch g.int(0...11) {
        case 0...2: // an id list with junk
            let n = g.pick([1, 1, 2, 3, 5, 20, 999, 1000, 1001, 5000])
            let ids = (0..<n).map { _ in g.chance(0.93) ? itemID(&g, run: run) : (g.chance(0.5) ? g.pick(numbers) : g.pick(junkSegments)) }
            return ids.joined(separator: g.chance(0.9) ? "," : g.pick([", ", ";", "\n", ",,", " "]))
        case 3: return g.pick(numbers)
        case 4: return g.pick(junkSegments)
        case 5: return g.pick(FuzzFixture.cameraIDs + ["online", "offline", "degraded", "unsure", "1", "low-score", "random"])
        case 6: return (0..<g.int(1...80)).map { _ in g.pick(FuzzFixture.cameraIDs + ["ghost", ""]) }.joined(separator: "\n")
        case 7: return Gen.repeated(g.pick(["a", "ü", ",", "1,", "\n"]), count: g.pick([100, 5000, 100_000]))
        case 8: return labelValue(&g)
        default: return randomString(&g, max: 64)
        }
    }

    static func labelValue(_ g: inout RNG) -> String {
        switch g.int(0...9) {
        case 0...4: return g.pick(labelNames)
        case 5...7: return g.pick(junkLabels)
        case 8: return Gen.repeated("x", count: g.pick([63, 64, 65, 1000]))
        default: return randomString(&g, max: 24)
        }
    }

    static func verdict(_ g: inout RNG) -> String {
        g.chance(0.8) ? g.pick(["skip", "unsure"]) : g.pick(["", "SKIP", "labelled", "pending", "skip ", "maybe"] + junkSegments)
    }
}
