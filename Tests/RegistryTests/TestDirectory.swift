import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary directory per test, removed on deinit, with helpers to write registry files.
final class TestDirectory {
    let path: String

    init(_ label: String = "registry") {
        var template = Array((NSTemporaryDirectory() + "camsift-\(label)-XXXXXX").utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` in place (same inode, like an editor without atomic save).
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        TestDirectory.writeInPlace(p, text)
        return p
    }

    /// Writes via temp file + rename, like `install`, editors with atomic save, and config management.
    func writeAtomically(_ name: String, _ text: String) {
        let tmp = file(".\(name).tmp")
        TestDirectory.writeInPlace(tmp, text)
        rename(tmp, file(name))
    }

    /// open(O_TRUNC) + write + close: one inode, rewritten (FileManager.createFile may replace atomically).
    static func writeInPlace(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "cannot write \(path): errno \(errno)")
        var bytes = Array(text.utf8)
        let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
        precondition(n == bytes.count, "short write to \(path)")
        close(fd)
    }

    func remove(_ name: String) {
        unlink(file(name))
    }

    /// A camera file's JSON.
    static func camera(_ id: String, kind: String = "snapshot", url: String? = nil, interval: Double = 10,
                       extra: String = "") -> String {
        let u = url ?? "http://127.0.0.1:8080/snap/\(id).jpg"
        return "{\"id\": \"\(id)\", \"kind\": \"\(kind)\", \"url\": \"\(u)\", \"interval\": \(interval)\(extra)}\n"
    }
}

/// Where the package root is, from this file's path (Tests/RegistryTests/TestDirectory.swift).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The test corpus: `Corpus/` next to this file (also copied into the test bundle as a resource).
let corpusRoot: String = packageRoot + "/Tests/RegistryTests/Corpus"
