#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Learning

/// The `run` step of `camsift-bench longtail`: every run through the real `camsift train` / `camsift eval`
/// binaries (same network, same seed, same budget of draws per model), `--lanes` runs in parallel with one
/// engine thread each (on 2 cores that beats one lane with two threads for a network this small; a run
/// reusing the CE bundle's M0 waits for it), then one table with both views and the targets checked.
///
/// `peer-*` runs train the PyTorch reference protocol (`LongtailPeer`) on the split of the camsift run they
/// follow, on a lane of their own with one thread; the table then shows both engines side by side. Every target of
/// issue 16 is checked (parity, the default's, calibration, and the 60-minute budget for a plain run); any FAIL
/// makes the run exit non-zero. Each run is scored once: `camsift eval --weight-by` gives both views.
///
/// `--seeds 1,2,3` repeats every run with each training seed (split, initialisation, draws; the archive stays
/// the same) in `WORK/seed-S/`, prints each seed's targets, and checks the targets on the mean over seeds —
/// the issue's reference table is a mean of 3 seeds, and the seed moves the default bundle's balanced macro F1
/// by 0.02 on the default profile (0.842 / 0.820 / 0.825; bench/RESULTS.md, long-tail, session 8) — more than
/// the margins the targets are decided by.
enum LongtailRuns {
    struct Run: Sendable {
        var name: String
        var archive: String  // "lt" or "uniform"
        var trainArgs: [String]
        var rows: [(label: String, model: String)]  // table rows: model role in the bundle ("M0", "M1", "fused")
        var after: String?  // run whose bundle this one reuses (--reuse-m0), or whose split a peer run trains on
        var peer: String? = nil  // PyTorch peer run with this sampler (plain|balanced) instead of `camsift train`
        /// Whether a plain `make bench-longtail` trains it: the runs issue 16's targets are decided by. The others
        /// (class weighting, deferred resampling, the published F1-dynamic M1) are information rows from earlier
        /// rounds, trained with `--runs all` or by name: 3 seeds of them would add ~35 min to a run that must stay
        /// within 60 (target 5).
        var gated = true
    }

    static func runs(extra: [String]) -> [Run] {
        [
            Run(name: "ce-uniform", archive: "uniform", trainArgs: ["--sampler", "plain"], rows: [("CE ρ=1 same size (upper bound)", "M0")]),
            Run(name: "ce", archive: "lt", trainArgs: ["--sampler", "plain"], rows: [("CE ρ=100 (M0)", "M0")]),
            Run(name: "weighted", archive: "lt", trainArgs: ["--sampler", "weighted"], rows: [("class weighting", "M0")], gated: false),
            Run(name: "balanced", archive: "lt", trainArgs: ["--sampler", "balanced"], rows: [("class-balanced resampling", "M0")]),
            Run(name: "deferred", archive: "lt", trainArgs: ["--sampler", "deferred"], rows: [("deferred resampling", "M0")], gated: false),
            Run(name: "dynamic", archive: "lt", trainArgs: ["--sampler", "dynamic"],
                rows: [("F1-dynamic M1 (published, best-ref iteration)", "M1"), ("fused M0+M1 (published, Eq. 3)", "fused")],
                after: "ce", gated: false),
            Run(name: "default", archive: "lt", trainArgs: extra,
                rows: [("default M1", "M1"), ("default companion E (EfficientNet-Lite0 features)", "E"),
                       ("default without E (fused:adjusted/no-E)", "fused:adjusted/no-E"),
                       ("default `camsift train` (fused)", "fused")], after: "ce"),
            Run(name: "peer-ce-uniform", archive: "uniform", trainArgs: [], rows: [("PyTorch CE ρ=1 same size (upper bound)", "M0")],
                after: "ce-uniform", peer: "plain"),
            Run(name: "peer-ce", archive: "lt", trainArgs: [], rows: [("PyTorch CE ρ=100", "M0")], after: "ce", peer: "plain"),
            Run(name: "peer-balanced", archive: "lt", trainArgs: [], rows: [("PyTorch class-balanced resampling", "M0")],
                after: "balanced", peer: "balanced"),
        ]
    }

    struct Outcome: Sendable {
        var balanced: [String: ClassificationMetrics]
        var deployed: [String: ClassificationMetrics]
        var order: [String]
        var seconds: Double
        /// ECE (15 bins) of the bundle's primary prediction on the balanced t10k after its temperature (target 4);
        /// nil for a peer run.
        var ece: Double? = nil
    }

    /// A run's outcome from its `camsift eval --weight-by` output, which holds both views (plain t10k and deployed).
    static func outcome(_ r: EvaluationSession.Result, seconds: Double) -> Outcome {
        Outcome(balanced: r.plain, deployed: r.deployed ?? [:], order: r.order, seconds: seconds,
                ece: r.calibration?.sets.first { $0.set == "evaluated" }?.after.value)
    }

    /// A stored run's outcome: `KEY.eval.json` (both views), or, from runs before one evaluation did both, the plain
    /// `KEY.eval.json` with the deployed view of `KEY.eval-deployed.json`.
    static func stored(_ prefix: String) throws -> Outcome {
        var r = try load(prefix + ".eval.json")
        if r.deployed == nil { r = try load(prefix + ".eval-deployed.json") }
        return outcome(r, seconds: 0)
    }

    /// One run with one training seed; `key` (`seed-S/name`) is also its path under the work directory.
    struct Job: Sendable {
        var run: Run
        var seed: String
        var key: String { "seed-\(seed)/\(run.name)" }
        var after: String? { run.after.map { "seed-\(seed)/\($0)" } }
    }

    static func run(_ o: [String: String]) async throws -> Int32 {
        guard let data = o["data"], let bin = o["camsift"], let work = o["work"] else {
            print("longtail run: --data DIR --camsift BIN --work DIR are required")
            return 64
        }
        let seeds = (o["seeds"] ?? o["seed"] ?? "1").split(separator: ",").map(String.init)
        guard !seeds.isEmpty, seeds.allSatisfy({ UInt64($0) != nil }), Set(seeds).count == seeds.count else {
            print("longtail run: --seeds must be distinct integers, e.g. 1,2,3")
            return 64
        }
        // 90/10/0: the test set is t10k, so no images are held out of the archive for a second test split (the
        // reference protocol's split; the peer runs train on the same one).
        // The default run's companion member (EfficientNet-Lite0 level 1, `weights/` from `make weights`) keeps its
        // features in the run directory's cache: seeds 2… compute only the images seed 1 did not. A plain run
        // starts from an empty one (longtail.sh clears the runs), so target 5 times the cold cache.
        let common = ["--iterations", o["iterations"] ?? "15", "--split", o["split"] ?? "90/10/0", "--threads", "1", "--quiet",
                      "--feature-cache", work + "/feature-cache"]
        var peer = LongtailPeer.Settings()
        peer.iterations = o["iterations"] ?? "15"
        if let p = o["python"] { peer.python = p }
        if let p = o["peer-script"] { peer.script = p }
        peer.extra = (o["peer-args"] ?? "").split(separator: " ").map(String.init)
        let defaultArgs = (o["default-args"] ?? "").split(separator: " ").map(String.init)
        let every = runs(extra: defaultArgs)
        var selected = every.filter(\.gated)
        if let only = o["runs"], only != "gated" {
            let keep = Set(only.split(separator: ",").map(String.init))
            selected = only == "all" ? every : every.filter { keep.contains($0.name) }
        }
        let jobs = seeds.flatMap { s in selected.map { Job(run: $0, seed: s) } }
        for s in seeds { try FileManager.default.createDirectory(atPath: work + "/seed-" + s, withIntermediateDirectories: true) }
        // Runs not selected this time are read back from an earlier run's eval output in the same work dir.
        var results: [String: Outcome] = [:]
        var readBack: [String] = []
        for s in seeds {
            for r in every where !selected.contains(where: { $0.name == r.name }) {
                let key = Job(run: r, seed: s).key
                if let o = try? stored(work + "/" + key) {
                    results[key] = o
                    readBack.append(key)
                }
            }
        }
        let lanes = max(1, Int(o["lanes"] ?? "2") ?? 2)
        let plan = LongtailSchedule.plan(jobs, lanes: lanes)
        FileHandle.standardError.write(Data("longtail: \(plan.summary)\n".utf8))
        if o["plan-only"] != nil {
            for (i, q) in plan.queues.enumerated() { print("queue \(i + 1): " + q.map(\.key).joined(separator: ", ")) }
            return 0
        }
        if jobs.contains(where: { $0.run.peer != nil }) { try await LongtailPeer.preflight(peer, jobs: jobs, work: work) }
        let t0 = Date()
        let settings = peer
        let done = try await LongtailSchedule.run(plan) { j in
            j.run.peer == nil ? try await lane(j, data: data, bin: bin, work: work, common: common)
                : try await LongtailPeer.lane(j, data: data, work: work, settings: settings)
        }
        for (k, v) in done { results[k] = v }
        let wall = Date().timeIntervalSince(t0)
        let perSeed = seeds.map { s in
            Dictionary(uniqueKeysWithValues: every.compactMap { r in results[Job(run: r, seed: s).key].map { (r.name, $0) } })
        }
        for (s, r) in zip(seeds, perSeed) {
            let t = table(every, results: r)
            try? t.write(toFile: work + "/seed-" + s + "/table.md", atomically: true, encoding: .utf8)
            if seeds.count == 1 { print(t) }
        }
        let averaged = seeds.count > 1 ? mean(perSeed) : perSeed[0]
        if seeds.count > 1 {
            print("mean over seeds " + seeds.joined(separator: ", ") + " (each seed's table: \(work)/seed-S/table.md)\n")
            print(table(every, results: averaged))
        }
        if !readBack.isEmpty { print("\n(rows for " + readBack.sorted().joined(separator: ", ") + " read from an earlier run in \(work))") }
        print(String(format: "\nwall time %.1f min (%d lanes, 1 engine thread each)", wall / 60, lanes))
        if seeds.count > 1 {
            print("\nper seed:")
            for (s, r) in zip(seeds, perSeed) { print("  seed \(s): " + checkTargets(r).compact) }
        }
        let verdict = checkTargets(averaged)
        print("\ntargets" + (seeds.count > 1 ? " (mean over \(seeds.count) seeds)" : "") + ":\n" + verdict.lines)
        // Target 5: the whole `make bench-longtail` (from the script's start, data build included) within 60 min —
        // decided only by a plain run: every gated run for the 3 default seeds, nothing read back.
        let whole = (o["started"].flatMap(Double.init)).map { Date().timeIntervalSince1970 - $0 } ?? wall
        let plain = selected.map(\.name) == every.filter(\.gated).map(\.name) && readBack.isEmpty && seeds.count >= 3
        if plain {
            let ok = whole <= 3600
            print((ok ? "PASS" : "FAIL") + String(format: "  whole benchmark ≤ 60 min: %.1f min vs 60 (%d runs on %d lanes)",
                                                  whole / 60, jobs.count, lanes))
            return verdict.failed || !ok ? 1 : 0
        }
        print(String(format: "SKIP  whole benchmark ≤ 60 min: %.1f min, but only a plain run (no LONGTAIL_RUNS, 3 seeds) decides it",
                     whole / 60))
        return verdict.failed ? 1 : 0
    }

    /// Every metric of every run averaged over seeds (the table's columns and the targets use accuracy, macro F1,
    /// weighted F1 and per-class F1; the other fields are averaged the same way). A run missing for any seed has no
    /// mean (its rows and targets show as missing rather than averaged over fewer seeds than the others).
    static func mean(_ perSeed: [[String: Outcome]]) -> [String: Outcome] {
        func avg(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(xs.count, 1)) }
        func avg(_ xs: [[Double]]) -> [Double] { (0..<(xs.first?.count ?? 0)).map { i in avg(xs.map { $0[i] }) } }
        func avg(_ ms: [ClassificationMetrics]) -> ClassificationMetrics {
            ClassificationMetrics(accuracy: avg(ms.map(\.accuracy)), macroF1: avg(ms.map(\.macroF1)),
                                  weightedF1: avg(ms.map(\.weightedF1)), precision: avg(ms.map(\.precision)),
                                  recall: avg(ms.map(\.recall)), f1: avg(ms.map(\.f1)), support: avg(ms.map(\.support)),
                                  confusion: (0..<(ms.first?.confusion.count ?? 0)).map { i in avg(ms.map { $0.confusion[i] }) })
        }
        var out: [String: Outcome] = [:]
        for name in Set(perSeed.flatMap(\.keys)) {
            let os = perSeed.compactMap { $0[name] }
            guard os.count == perSeed.count else { continue }
            let roles = os.map { Set($0.balanced.keys) }.reduce(Set(os[0].balanced.keys)) { $0.intersection($1) }
            func view(_ kp: KeyPath<Outcome, [String: ClassificationMetrics]>) -> [String: ClassificationMetrics] {
                Dictionary(uniqueKeysWithValues: roles.compactMap { role in
                    let ms = os.compactMap { $0[keyPath: kp][role] }
                    return ms.count == os.count ? (role, avg(ms)) : nil
                })
            }
            let eces = os.compactMap(\.ece)
            out[name] = Outcome(balanced: view(\.balanced), deployed: view(\.deployed),
                                order: os[0].order.filter(roles.contains), seconds: os.map(\.seconds).reduce(0, +),
                                ece: eces.count == os.count ? avg(eces) : nil)
        }
        return out
    }

    static func lane(_ j: Job, data: String, bin: String, work: String, common: [String]) async throws -> Outcome {
        let t = Date()
        let r = j.run
        let bundle = work + "/" + j.key
        var args = ["train", "--archive", data + "/" + r.archive, "--out", bundle] + common + ["--seed", j.seed] + r.trainArgs
        if let after = j.after { args += ["--reuse-m0", work + "/" + after] }
        try await exec(bin, args, log: bundle + ".train.log")
        // One evaluation gives both views: `--weight-by` adds the deployed one to the plain t10k metrics.
        let both = try await evaluate(bin, ["eval", "--archive", data + "/t10k", "--model", bundle, "--weight-by", data + "/lt",
                                            "--threads", "1", "--feature-cache", work + "/feature-cache", "--json"],
                                     log: bundle + ".eval.json")
        FileHandle.standardError.write(Data(String(format: "longtail: %@ done in %.1f min\n", j.key, Date().timeIntervalSince(t) / 60).utf8))
        return outcome(both, seconds: Date().timeIntervalSince(t))
    }

    static func exec(_ bin: String, _ args: [String], log: String) async throws {
        let status: Int32 = try await withCheckedThrowingContinuation { k in
            Thread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: bin)
                p.arguments = args
                FileManager.default.createFile(atPath: log, contents: nil)
                let fh = FileHandle(forWritingAtPath: log)
                p.standardOutput = fh
                p.standardError = fh
                do { try p.run() } catch { k.resume(throwing: error); return }
                p.waitUntilExit()
                try? fh?.close()
                k.resume(returning: p.terminationStatus)
            }.start()
        }
        guard status == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.suffix(2000) ?? ""
            throw LearningError(.io, "`camsift \(args.joined(separator: " "))` exited \(status); log \(log):\n\(tail)")
        }
    }

    static func evaluate(_ bin: String, _ args: [String], log: String) async throws -> EvaluationSession.Result {
        try await exec(bin, args, log: log)
        return try load(log)
    }

    static func load(_ path: String) throws -> EvaluationSession.Result {
        guard let d = FileManager.default.contents(atPath: path) else { throw LearningError(.io, "no eval output in \(path)") }
        return try JSONDecoder().decode(EvaluationSession.Result.self, from: d)
    }

    static func f(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }

    static func table(_ runs: [Run], results: [String: Outcome]) -> String {
        var s = "| run | bal. accuracy | bal. macro F1 | bal. weighted F1 | dep. accuracy | dep. macro F1 | dep. weighted F1 | "
            + "per-class F1 (balanced, classes 0…9) |\n|---|---|---|---|---|---|---|---|\n"
        for r in runs {
            guard let o = results[r.name] else { continue }
            let listed = Set(r.rows.map(\.model))
            let extra = o.order.filter { $0.hasPrefix("fused:") && !listed.contains($0) }.map { (label: "\(r.name) \($0)", model: $0) }
            for row in r.rows + extra {
                let b = o.balanced[row.model], d = o.deployed[row.model]
                s += "| \(row.label) | \(f(b?.accuracy)) | \(f(b?.macroF1)) | \(f(b?.weightedF1)) | \(f(d?.accuracy)) | "
                    + "\(f(d?.macroF1)) | \(f(d?.weightedF1)) | \(b.map { $0.f1.map { String(format: "%.2f", $0) }.joined(separator: " ") } ?? "–") |\n"
            }
        }
        let peers = LongtailPeer.sideBySide(results)
        return peers.isEmpty ? s : s + "\n" + peers
    }

    /// The issue's targets measured in this run — parity with the PyTorch peer, then the default `camsift
    /// train`'s — one line per target, a one-line summary (for each seed of a multi-seed run), and whether any
    /// target failed (the run's exit status).
    static func checkTargets(_ r: [String: Outcome]) -> (lines: String, compact: String, failed: Bool) {
        var compact: [String] = []
        func bal(_ n: String) -> Double? { r[n]?.balanced["M0"]?.macroF1 }
        var lines: [String] = []
        var failed = false
        func check(_ what: String, _ tag: String, _ ok: Bool?, _ detail: String) {
            let verdict = ok == nil ? "SKIP" : ok! ? "PASS" : "FAIL"
            if ok == false { failed = true }
            lines.append("\(verdict)  \(what): \(detail)")
            compact.append("\(tag) \(verdict) \(detail)")
        }
        LongtailPeer.parity(r) { what, tag, ok, detail in check(what, tag, ok, detail) }
        guard let def = r["default"], let fusedB = def.balanced["fused"], let fusedD = def.deployed["fused"] else {
            lines.append("SKIP  default camsift train targets: default run missing")
            compact.append("default run missing")
            return (lines.joined(separator: "\n"), compact.joined(separator: " | "), failed)
        }
        // Target 2 of issue 16: ≥ 0.90 and ≥ every baseline of both engines (the CE upper bound is a reference).
        check("balanced macro F1 ≥ 0.90", "bal≥.90", fusedB.macroF1 >= 0.90, "\(f(fusedB.macroF1)) vs 0.900")
        for (peer, label) in [("peer-ce", "PyTorch CE ρ=100"), ("peer-balanced", "PyTorch class-balanced resampling")] {
            check("balanced macro F1 ≥ \(label)", "bal≥\(peer)", bal(peer).map { fusedB.macroF1 >= $0 },
                  "\(f(fusedB.macroF1)) vs \(f(bal(peer)))")
        }
        check("balanced macro F1 ≥ class-balanced resampling", "bal≥CB", bal("balanced").map { fusedB.macroF1 >= $0 },
              "\(f(fusedB.macroF1)) vs \(f(bal("balanced")))")
        if let d = bal("deferred") {  // an information run (`--runs all`): checked when it was trained
            check("balanced macro F1 ≥ deferred resampling", "bal≥def", fusedB.macroF1 >= d, "\(f(fusedB.macroF1)) vs \(f(d))")
        }
        let ceAcc = r["ce"]?.deployed["M0"]?.accuracy
        check("deployed accuracy ≥ CE − 0.01", "acc", ceAcc.map { fusedD.accuracy >= $0 - 0.01 }, "\(f(fusedD.accuracy)) vs \(f(ceAcc))")
        check("deployed accuracy ≥ 0.933", "acc≥.933", fusedD.accuracy >= 0.933, "\(f(fusedD.accuracy)) vs 0.933")
        var best = -1.0, bestName = ""
        for n in ["ce", "weighted", "balanced", "deferred", "peer-ce", "peer-balanced"] {
            if let m = r[n]?.deployed["M0"]?.macroF1, m > best { best = m; bestName = n }
        }
        if let d = r["dynamic"] {
            for role in ["M1", "fused"] { if let m = d.deployed[role]?.macroF1, m > best { best = m; bestName = "dynamic " + role } }
        }
        check("deployed macro F1 ≥ every baseline", "dep", best < 0 ? nil : fusedD.macroF1 >= best,
              "\(f(fusedD.macroF1)) vs best \(f(best)) (\(bestName))")
        // Target 4: the default bundle's confidence after its temperature, on the balanced t10k.
        check("ECE (15 bins) after temperature scaling ≤ 0.03", "ece", def.ece.map { $0 <= 0.03 }, "\(f(def.ece)) vs 0.030")
        return (lines.joined(separator: "\n"), compact.joined(separator: " | "), failed)
    }
}
