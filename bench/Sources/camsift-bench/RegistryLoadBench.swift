#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Registry

/// `camsift-bench registry-load [--cameras N] [--repeat R]`: `RegistryLoader` load and reload times at scale
/// (the library alone; `camsift-bench registry` times the whole daemon).
///
/// Measures, on N generated snapshot cameras (default 10,000):
/// - cold load of N one-camera files, and of one aggregator with N cameras (validation included);
/// - reload with nothing changed, and reload after one file changed (the daemon's SIGHUP/inotify path);
/// - the peer: Foundation `JSONSerialization` reading and parsing the same files, without any validation,
///   measured in the same run. camsift's ratio to it shows what validation + the cache cost or save.
/// Best of R runs each (the machine is shared; the best run is the least disturbed one).
enum RegistryLoadBench {
    static func run(_ args: [String]) async throws -> Int32 {
        var n = 10_000
        var repeats = 5
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--cameras": n = Int(args[i + 1]) ?? n; i += 2
            case "--repeat": repeats = Int(args[i + 1]) ?? repeats; i += 2
            default:
                print("usage: camsift-bench registry-load [--cameras N] [--repeat R]")
                return 64
            }
        }
        let root = makeTempDirectory()
        defer { _ = try? FileManager.default.removeItem(atPath: root) }
        let filesDir = root + "/files", aggDir = root + "/aggregator"
        mkdir(filesDir, 0o755)
        mkdir(aggDir, 0o755)
        for k in 0..<n { writeFile(filesDir + "/cam\(k).json", camera(k, interval: 10)) }
        let entries = (0..<n).map { "    {\"id\": \"a\($0)\"}" }.joined(separator: ",\n")
        writeFile(aggDir + "/dot.json", """
            {"aggregator": "dot", "kind": "snapshot", "urlTemplate": "http://127.0.0.1:8080/agg/{id}.jpg",
             "interval": 60, "cameras": [
            \(entries)
            ]}
            """)
        print("registry-load: \(n) cameras, best of \(repeats)")

        // Peer: Foundation read + parse, no validation.
        let peerFiles = best(repeats) {
            for k in 0..<n {
                let d = try! Data(contentsOf: URL(fileURLWithPath: filesDir + "/cam\(k).json"))
                _ = try! JSONSerialization.jsonObject(with: d)
            }
        }
        var snapshot: RegistrySnapshot?
        let cold = best(repeats) { snapshot = RegistryLoader.load(directory: filesDir, previous: nil) }
        guard let s = snapshot, s.cameras.count == n, !s.hasErrors else {
            print("registry-load: load failed: \(snapshot?.problems.prefix(3).map(\.description) ?? [])")
            return 70
        }
        print(String(format: "  %d files, cold load:        %8.1f ms   (Foundation read+parse, no checks: %.1f ms; ratio %.2f)",
                     n, cold * 1e3, peerFiles * 1e3, cold / peerFiles))

        // Let every file age past the loader's racy window, so the stat stamp alone is trusted.
        usleep(2_200_000)
        var warm = RegistryLoader.load(directory: filesDir, previous: s)
        warm = RegistryLoader.load(directory: filesDir, previous: warm)
        let noChange = best(repeats) { _ = RegistryLoader.load(directory: filesDir, previous: warm) }
        print(String(format: "  %d files, reload unchanged: %8.1f ms   (%.0fx faster than cold)", n, noChange * 1e3, cold / noChange))

        // One file rewritten per round; only the load is timed (not the write, not the diff).
        var previous = warm
        var changedOK = true
        var oneFile = Double.infinity
        var diffTime = Double.infinity
        for round in 1...max(1, repeats) {
            writeFile(filesDir + "/cam\(n / 2).json", camera(n / 2, interval: Double(100 + round)))
            let t0 = DispatchTime.now().uptimeNanoseconds
            let next = RegistryLoader.load(directory: filesDir, previous: previous)
            let t1 = DispatchTime.now().uptimeNanoseconds
            let d = RegistryDiff.between(previous.cameras, next.cameras)
            let t2 = DispatchTime.now().uptimeNanoseconds
            oneFile = min(oneFile, Double(t1 - t0) / 1e9)
            diffTime = min(diffTime, Double(t2 - t1) / 1e9)
            changedOK = changedOK && d.changed.count == 1 && d.unchanged.count == n - 1
            previous = next
        }
        print(String(format: "  %d files, reload 1 changed: %8.1f ms   (+ RegistryDiff %.1f ms: 1 changed, %d unchanged: %@)",
                     n, oneFile * 1e3, diffTime * 1e3, n - 1, changedOK ? "ok" : "WRONG"))

        let peerAgg = best(repeats) {
            let d = try! Data(contentsOf: URL(fileURLWithPath: aggDir + "/dot.json"))
            _ = try! JSONSerialization.jsonObject(with: d)
        }
        var aggSnapshot: RegistrySnapshot?
        let aggCold = best(repeats) { aggSnapshot = RegistryLoader.load(directory: aggDir, previous: nil) }
        guard aggSnapshot?.cameras.count == n else {
            print("registry-load: aggregator load failed")
            return 70
        }
        print(String(format: "  1 aggregator of %d, cold load: %6.1f ms   (Foundation read+parse, no checks: %.1f ms; ratio %.2f)",
                     n, aggCold * 1e3, peerAgg * 1e3, aggCold / peerAgg))
        return changedOK ? 0 : 70
    }

    static func camera(_ k: Int, interval: Double) -> String {
        "{\"id\": \"cam\(k)\", \"kind\": \"snapshot\", \"url\": \"http://127.0.0.1:8080/snap/\(k).jpg\", "
            + "\"interval\": \(interval), \"tags\": [\"bench\"], \"location\": {\"lat\": 52.5, \"lon\": 13.4}}\n"
    }

    static func best(_ r: Int, _ body: () -> Void) -> Double {
        var m = Double.infinity
        for _ in 0..<max(1, r) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            m = min(m, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return m
    }

    static func writeFile(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { fatalError("cannot write \(path)") }
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
    }

    static func makeTempDirectory() -> String {
        var t = Array((NSTemporaryDirectory() + "camsift-bench-registry-XXXXXX").utf8CString)
        let p = t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: p!)
    }
}
