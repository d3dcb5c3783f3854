import Foundation
import Testing

/// `camsift train`'s fusion flags are checked before any image is read: a bad value exits 64 naming the flag and
/// its range.
@Suite("camsift train flags")
struct TrainCommandTests {
    @Test func fusionWeightsOutOfRangeAreRefused() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("archive")
        let base = ["train", "--archive", dir.file("archive"), "--out", dir.file("model")]
        let m0 = try await camsift(base + ["--m0-weight", "1.5"], in: dir)
        #expect(m0.status == 64)
        #expect(m0.err.contains("--m0-weight must be in [0, 1]"), "\(m0.err)")
        let prior = try await camsift(base + ["--prior-weight", "1.2"], in: dir)
        #expect(prior.status == 64)
        #expect(prior.err.contains("--prior-weight must be in [0, 1] or 'ref'"), "\(prior.err)")
        let word = try await camsift(base + ["--prior-weight", "auto"], in: dir)
        #expect(word.status == 64 && word.err.contains("prior-weight"), "\(word.err)")
        // 'ref' is accepted: the run gets past the flags and fails on the empty archive instead.
        let ref = try await camsift(base + ["--prior-weight", "ref", "--m0-weight", "0"], in: dir)
        #expect(ref.status != 0 && ref.status != 64 && !ref.err.contains("weight"), "\(ref.status as Any) \(ref.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("model/bundle.json")))
    }

    /// `--split T/R/E` is checked before any image is read: a bad spec exits 64 with the message naming the flag
    /// and the fix; a good one (test 0 included) gets past the flags.
    @Test func badSplitIsRefusedByName() async throws {
        let dir = TempDir()
        defer { dir.cleanup() }
        dir.mkdir("archive")
        let base = ["train", "--archive", dir.file("archive"), "--out", dir.file("model")]
        for (spec, message) in [("70/10", "give three percentages train/reference/test that sum to 100"),
                                ("100/0/0", "train and reference must each be > 0"),
                                ("70/10/10", "sum to 90, not 100")] {
            let r = try await camsift(base + ["--split", spec], in: dir)
            #expect(r.status == 64, "\(spec): \(r.err)")
            #expect(r.err.contains("--split '\(spec)': ") && r.err.contains(message) && r.err.contains("90/10/0"), "\(r.err)")
        }
        let ok = try await camsift(base + ["--split", "90/10/0"], in: dir)
        #expect(ok.status != 0 && ok.status != 64 && !ok.err.contains("--split"), "\(ok.status as Any) \(ok.err)")
    }
}
