#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Learning

/// The PyTorch peer's lane of `camsift-bench longtail run` (issue 16, target 1: camsift's CE upper bound, CE ρ=100
/// and class-balanced resampling each within 0.005 balanced macro F1 of a standard PyTorch recipe).
///
/// A peer run follows the camsift run it is compared with (same training seed) and trains
/// `bench/peers/torch_longtail.py` on exactly that run's split: the images listed in its bundle's `split.json`,
/// decoded by camsift's archive reader (`ArchiveImage`) at the bundle's geometry, so both engines see the same
/// pixels and differ only in how they train. The peer returns one predicted class per t10k image, and this
/// lane scores them with camsift's own metric code (`EvaluationSession.score`, both views, `--weight-by
/// DATA/lt` for the deployed one): same code, same numbers. Both views are written to `KEY.eval.json` like a camsift
/// run's, so `--runs` reads them back the same way.
enum LongtailPeer {
    struct Settings: Sendable {
        var python = "/usr/bin/python3"
        var script = "bench/peers/torch_longtail.py"
        var iterations = "15"
        /// Extra arguments for the script (smoke runs: `--limit 2000`).
        var extra: [String] = []
    }

    static func lane(_ j: LongtailRuns.Job, data: String, work: String, settings: Settings) async throws -> LongtailRuns.Outcome {
        let t = Date()
        guard let sampler = j.run.peer, let after = j.after else {
            throw LearningError(.badArgument, "longtail: \(j.key) is not a peer run")
        }
        let bundleDir = work + "/" + after
        let manifest: SplitManifest
        do { manifest = try SplitManifest.read(bundleDir) } catch let e as LearningError {
            throw LearningError(.badBundle, "longtail: \(j.key) trains on the split of \(after): \(e.message)")
        }
        let archive = URL(fileURLWithPath: data + "/" + j.run.archive).standardizedFileURL.path
        guard manifest.archive == archive else {
            throw LearningError(.badBundle, "longtail: \(bundleDir) was trained on '\(manifest.archive)', not '\(archive)'; "
                + "re-run \(after) with this data directory")
        }
        let geometry = try ModelBundle.read(bundleDir).served.geometry()
        let dir = work + "/" + j.key
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)

        // Inputs: train/reference from the split manifest, test = t10k with labels mapped onto the manifest's classes.
        let test = try LabeledArchive.scan(data + "/t10k")
        let map = try test.classes.map { name -> Int in
            guard let k = manifest.classes.firstIndex(of: name) else {
                throw LearningError(.badArchive, "longtail: t10k class '\(name)' is not one of \(manifest.classes)")
            }
            return k
        }
        let sets: [(name: String, paths: [String], labels: [Int])] = [
            ("train", manifest.train.map(manifest.path(of:)), manifest.train.map(\.label)),
            ("reference", manifest.reference.map(manifest.path(of:)), manifest.reference.map(\.label)),
            ("test", test.items.map(\.path), test.items.map { map[$0.label] }),
        ]
        let reader = try ArchiveImage()
        var meta: [String: Any] = ["classes": manifest.classes, "shape": [geometry.channels, geometry.size, geometry.size]]
        var described: [String: Any] = [:]
        for s in sets {
            var pixels: [Float] = []
            pixels.reserveCapacity(s.paths.count * geometry.elementCount)
            for p in s.paths { pixels += try reader.pixels(path: p, geometry: geometry) }
            let bytes = pixels.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }  // little-endian f32 on x86/arm
            try AtomicFile.write(bytes, to: dir + "/" + s.name + ".f32", syncDirectory: false)
            described[s.name] = ["file": s.name + ".f32", "labels": s.labels] as [String: Any]
        }
        meta["sets"] = described
        try AtomicFile.write(Array(try JSONSerialization.data(withJSONObject: meta)), to: dir + "/peer-input.json", syncDirectory: false)

        let predictions = dir + "/predictions.json"
        try await LongtailRuns.exec(settings.python, [settings.script, "--input", dir, "--out", predictions, "--sampler", sampler,
                                                      "--iterations", settings.iterations, "--seed", j.seed, "--threads", "1"]
                                        + settings.extra, log: work + "/" + j.key + ".train.log")
        for s in sets { try? FileManager.default.removeItem(atPath: dir + "/" + s.name + ".f32") }

        struct Predictions: Decodable { var test: [Int]; var parameters: Int; var seconds: Double }
        guard let d = FileManager.default.contents(atPath: predictions) else { throw LearningError(.io, "longtail: no \(predictions)") }
        let p = try JSONDecoder().decode(Predictions.self, from: d)
        guard p.test.count == sets[2].labels.count, p.test.allSatisfy({ (0..<manifest.classes.count).contains($0) }) else {
            throw LearningError(.badArgument, "longtail: \(predictions) has \(p.test.count) test predictions for \(sets[2].labels.count) images")
        }
        let scored = try EvaluationSession.score(["M0": p.test], truth: sets[2].labels, classes: manifest.classes,
                                                  weightBy: data + "/lt")
        let both = EvaluationSession.Result(classes: manifest.classes, images: p.test.count, plain: scored.plain,
                                            deployed: scored.deployed, order: ["M0"], primary: "M0")
        try AtomicFile.write(try JSONWriter.encode(both, pretty: true), to: work + "/" + j.key + ".eval.json", syncDirectory: false)
        FileHandle.standardError.write(Data(String(format: "longtail: %@ (PyTorch, %d parameters, split of %@) done in %.1f min\n",
                                                   j.key, p.parameters, after, Date().timeIntervalSince(t) / 60).utf8))
        return LongtailRuns.outcome(both, seconds: Date().timeIntervalSince(t))
    }

    /// Fails early, before hours of camsift runs, when the interpreter cannot import torch or a peer run would
    /// find no split to train on (its camsift run neither scheduled now nor stored from an earlier run).
    static func preflight(_ settings: Settings, jobs: [LongtailRuns.Job], work: String) async throws {
        for j in jobs where j.run.peer != nil {
            guard let a = j.after, !jobs.contains(where: { $0.key == a }),
                  !FileManager.default.fileExists(atPath: work + "/" + a + "/" + SplitManifest.fileName) else { continue }
            throw LearningError(.badArgument, "longtail: \(j.key) trains on the split of \(a), which is neither scheduled nor "
                + "stored in \(work); run both (e.g. LONGTAIL_RUNS=\(j.run.after ?? ""),\(j.run.name))")
        }
        do {
            try await LongtailRuns.exec(settings.python, ["-c", "import torch, numpy"], log: work + "/peer-preflight.log")
        } catch {
            throw LearningError(.badArgument, "longtail: the PyTorch peer needs \(settings.python) with torch and numpy "
                + "(Debian python3-torch: `make deps-bench`), or leave the peer-* runs out of --runs: \(error)")
        }
        guard FileManager.default.fileExists(atPath: settings.script) else {
            throw LearningError(.badArgument, "longtail: no peer script '\(settings.script)'; run from the repository root or pass --peer-script")
        }
    }

    /// Rows compared engine against engine: (label, camsift run, PyTorch run), all on the M0 role.
    static let pairs: [(label: String, camsift: String, peer: String)] = [
        ("CE ρ=1 same size (upper bound)", "ce-uniform", "peer-ce-uniform"),
        ("CE ρ=100", "ce", "peer-ce"),
        ("class-balanced resampling", "balanced", "peer-balanced"),
    ]

    /// Camsift and PyTorch side by side for each pair, with camsift − PyTorch; pairs with neither engine are left out.
    static func sideBySide(_ r: [String: LongtailRuns.Outcome]) -> String {
        let f = LongtailRuns.f
        func d(_ a: Double?, _ b: Double?) -> String {
            guard let a, let b else { return "–" }
            return String(format: "%+.3f", a - b)
        }
        var s = "camsift vs PyTorch peer (same archives, same train/reference split, same t10k; Δ = camsift − PyTorch):\n\n"
            + "| run | bal. macro F1 camsift | PyTorch | Δ | bal. accuracy camsift | PyTorch | Δ | dep. accuracy camsift | PyTorch | Δ | "
            + "dep. macro F1 camsift | PyTorch | Δ |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        var any = false
        for p in pairs where r[p.camsift] != nil || r[p.peer] != nil {
            any = true
            let cb = r[p.camsift]?.balanced["M0"], pb = r[p.peer]?.balanced["M0"]
            let cd = r[p.camsift]?.deployed["M0"], pd = r[p.peer]?.deployed["M0"]
            s += "| \(p.label) | \(f(cb?.macroF1)) | \(f(pb?.macroF1)) | \(d(cb?.macroF1, pb?.macroF1)) | "
                + "\(f(cb?.accuracy)) | \(f(pb?.accuracy)) | \(d(cb?.accuracy, pb?.accuracy)) | "
                + "\(f(cd?.accuracy)) | \(f(pd?.accuracy)) | \(d(cd?.accuracy, pd?.accuracy)) | "
                + "\(f(cd?.macroF1)) | \(f(pd?.macroF1)) | \(d(cd?.macroF1, pd?.macroF1)) |\n"
        }
        return any ? s : ""
    }

    /// Target 1 of issue 16, one line per pair: camsift's balanced macro F1 ≥ the peer's − 0.005 (SKIP when either
    /// engine's run is missing).
    static func parity(_ r: [String: LongtailRuns.Outcome],
                       check: (_ what: String, _ tag: String, _ ok: Bool?, _ detail: String) -> Void) {
        let f = LongtailRuns.f
        for p in pairs {
            let cam = r[p.camsift]?.balanced["M0"]?.macroF1, peer = r[p.peer]?.balanced["M0"]?.macroF1
            let threshold = peer.map { $0 - 0.005 }
            let ok: Bool? = cam.flatMap { c in threshold.map { c >= $0 } }
            check("parity: camsift \(p.label) balanced macro F1 ≥ PyTorch − 0.005", "par-\(p.camsift)", ok,
                  "\(f(cam)) vs \(f(threshold)) (PyTorch \(f(peer)))")
        }
    }
}
