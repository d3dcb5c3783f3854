import Foundation
import Learning

/// The PyTorch lane of `camsift-bench temporal`: runs `bench/temporal_peer.py` once over every prepared seed
/// (`WORK/seed-S/`), one thread, and reads back one predicted class per test window for every (seed, row).
enum TemporalPeer {
    static func run(settings s: TemporalBench.Settings, rows: [TemporalBench.Row]) async throws -> [String: [Int]] {
        guard FileManager.default.fileExists(atPath: s.peerScript) else {
            throw LearningError(.badArgument, "temporal: no peer script '\(s.peerScript)'; run from the repository root")
        }
        let out = s.work + "/peer-predictions.json"
        try? FileManager.default.removeItem(atPath: out)
        let t = Date()
        let dirs = s.seeds.map { s.work + "/seed-\($0)" }
        try await LongtailRuns.exec(s.python, [s.peerScript, "--out", out, "--threads", "1"] + dirs, log: s.work + "/peer.log")
        guard let d = FileManager.default.contents(atPath: out) else { throw LearningError(.io, "temporal: no \(out)") }
        let p = try JSONDecoder().decode([String: [Int]].self, from: d)
        FileHandle.standardError.write(Data(String(format: "temporal: PyTorch peer done in %.1f s\n", Date().timeIntervalSince(t)).utf8))
        return p
    }
}
