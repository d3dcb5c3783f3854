#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The release binary runs on any x86-64-v3 CPU (AVX2 + FMA), not only on the AVX-512 host that built it:
/// Package.swift builds NN with `-target-cpu haswell`, never `native`. `camsift classify` runs under
/// `qemu-x86_64 -cpu Haswell` (qemu-user, installed by `make test`; its TCG emulates AVX2/FMA but no AVX-512, so
/// one AVX-512 instruction is a SIGILL) and must give the native run's labels and scores. x86-64 hosts only.
@Suite("portable release binary", .serialized)
struct PortableBinaryTests {
    static let photo = "/usr/share/doc/opencv-doc/examples/data/baboon.jpg"
    static let qemu = "/usr/bin/qemu-x86_64"

    /// The imported EfficientNet-Lite0: CAMSIFT_EFFNET (set by `make test`), else ./weights/.
    static var model: String {
        if let p = ProcessInfo.processInfo.environment["CAMSIFT_EFFNET"], !p.isEmpty { return p }
        return packageRoot + "/weights/effnet-lite0-imagenet.csm"
    }

    /// `[(label, score)]` of `camsift classify --json` for one image.
    static func top(_ out: String) throws -> [(label: String, score: Double)] {
        let line = out.split(separator: "\n").first.map(String.init) ?? ""
        let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        let top = obj?["top"] as? [[Any]] ?? []
        return top.compactMap { pair in
            guard let label = pair.first as? String, let score = pair.last as? Double else { return nil }
            return (label, score)
        }
    }

    @Test func classifiesUnderAHaswellCPUAsNatively() async throws {
        #if arch(x86_64)
        for (path, what) in [(camsiftBinary, "camsift binary (set CAMSIFT_BIN)"),
                             (Self.model, "EfficientNet-Lite0 model (`make weights`, or set CAMSIFT_EFFNET)"),
                             (Self.qemu, "qemu-x86_64 (Debian qemu-user; `make deps` installs it)"),
                             (Self.photo, "OpenCV sample photo (Debian opencv-doc)")] {
            try #require(FileManager.default.fileExists(atPath: path), "missing \(what): \(path)")
        }
        let dir = TempDir("camsift-portable")
        defer { dir.cleanup() }
        let args = ["classify", "--json", "--top", "5", "--model", Self.model, Self.photo]

        let native = try Child(camsiftBinary, args, in: dir, tag: "native")
        let nativeStatus = await native.wait(timeout: 120)
        try #require(nativeStatus == 0, "native run: \(nativeStatus as Any) \(native.stderr)")
        let expected = try Self.top(native.stdout)
        try #require(expected.count == 5, "native output: \(native.stdout)")

        // TCG is an interpreter-grade JIT: one EfficientNet-Lite0 image takes tens of seconds under it.
        let emulated = try Child(Self.qemu, ["-cpu", "Haswell", camsiftBinary] + args, in: dir, tag: "haswell")
        let status = await emulated.wait(timeout: 900)
        // Status 4 (qemu re-raises the guest's SIGILL): an instruction the Haswell model lacks (AVX-512, as a build
        // for `-target-cpu native` on this host has).
        let tail = String(emulated.stderr.suffix(2000))
        try #require(status == 0, "under qemu -cpu Haswell: status \(status as Any) (4 = SIGILL); stderr: \(tail)")
        let got = try Self.top(emulated.stdout)
        try #require(got.count == expected.count, "emulated output: \(emulated.stdout)")
        #expect(got[0].label == "baboon", "\(got)")
        #expect(got[0].label == expected[0].label)
        #expect(got[0].score > 0.5 && got[0].score <= 1, "\(got)")
        for (g, e) in zip(got, expected) {
            #expect(g.label == e.label && abs(g.score - e.score) <= 1e-3, "emulated \(g) vs native \(e)")
        }
        #endif
    }
}
