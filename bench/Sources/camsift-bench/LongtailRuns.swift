#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Learning

/// The `run` step of `camsift-bench longtail`: every run through the real `camsift train` / `camsift eval`
/// binaries (same network, same seed, same budget of draws per model), `--lanes` runs in parallel with one
/// engine thread each (on 2 cores that beats one lane with two threads for a network this small; a run
/// reusing the CE bundle's M0 waits for it), then one table with both views and the targets checked.
enum LongtailRuns {
    struct Run: Sendable {
        var name: String
        var archive: String  // "lt" or "uniform"
        var trainArgs: [String]
        var rows: [(label: String, model: String)]  // table rows: model role in the bundle ("M0", "M1", "fused")
        var after: String?  // run whose bundle this one reuses (--reuse-m0)
    }

    static func runs(extra: [String]) -> [Run] {
        [
            Run(name: "ce-uniform", archive: "uniform", trainArgs: ["--sampler", "plain"], rows: [("CE ρ=1 same size (upper bound)", "M0")]),
            Run(name: "ce", archive: "lt", trainArgs: ["--sampler", "plain"], rows: [("CE ρ=100 (M0)", "M0")]),
            Run(name: "weighted", archive: "lt", trainArgs: ["--sampler", "weighted"], rows: [("class weighting", "M0")]),
            Run(name: "balanced", archive: "lt", trainArgs: ["--sampler", "balanced"], rows: [("class-balanced resampling", "M0")]),
            Run(name: "deferred", archive: "lt", trainArgs: ["--sampler", "deferred"], rows: [("deferred resampling", "M0")]),
            Run(name: "dynamic", archive: "lt", trainArgs: ["--sampler", "dynamic"],
                rows: [("F1-dynamic M1 (published, best-ref iteration)", "M1"), ("fused M0+M1 (published, Eq. 3)", "fused")],
                after: "ce"),
            Run(name: "default", archive: "lt", trainArgs: extra,
                rows: [("default M1", "M1"), ("default `camsift train` (fused)", "fused")], after: "ce"),
        ]
    }

    struct Outcome: Sendable {
        var balanced: [String: ClassificationMetrics]
        var deployed: [String: ClassificationMetrics]
        var order: [String]
        var seconds: Double
    }

    static func run(_ o: [String: String]) async throws -> Int32 {
        guard let data = o["data"], let bin = o["camsift"], let work = o["work"] else {
            print("longtail run: --data DIR --camsift BIN --work DIR are required")
            return 64
        }
        let common = ["--iterations", o["iterations"] ?? "15", "--seed", o["seed"] ?? "1", "--threads", "1", "--quiet"]
        let defaultArgs = (o["default-args"] ?? "").split(separator: " ").map(String.init)
        let every = runs(extra: defaultArgs)
        var all = every
        if let only = o["runs"] { let keep = Set(only.split(separator: ",").map(String.init)); all = all.filter { keep.contains($0.name) } }
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // Runs not selected this time are read back from an earlier run's eval output in the same work dir.
        var previous: [String: Outcome] = [:]
        for r in every where !all.contains(where: { $0.name == r.name }) {
            if let b = try? load(work + "/" + r.name + ".eval.json"), let d = try? load(work + "/" + r.name + ".eval-deployed.json") {
                previous[r.name] = Outcome(balanced: b.plain, deployed: d.deployed ?? [:], order: b.order, seconds: 0)
            }
        }
        let lanes = max(1, Int(o["lanes"] ?? "2") ?? 2)
        let t0 = Date()
        var results = previous
        for (k, v) in try await schedule(all, lanes: lanes, data: data, bin: bin, work: work, common: common) { results[k] = v }
        let wall = Date().timeIntervalSince(t0)
        print(table(every, results: results))
        if !previous.isEmpty { print("\n(rows for " + previous.keys.sorted().joined(separator: ", ") + " read from an earlier run in \(work))") }
        print(String(format: "\nwall time %.1f min (%d lanes, 1 engine thread each)", wall / 60, lanes))
        print(checkTargets(results))
        return 0
    }

    /// Runs everything on `lanes` parallel lanes; a run that reuses another's M0 (`after`) waits for it.
    static func schedule(_ runs: [Run], lanes: Int, data: String, bin: String, work: String,
                         common: [String]) async throws -> [String: Outcome] {
        var pending = runs
        var done: [String: Outcome] = [:]
        var running: [String] = []
        try await withThrowingTaskGroup(of: (String, Outcome).self) { group in
            while !pending.isEmpty || !running.isEmpty {
                while running.count < lanes,
                      let i = pending.firstIndex(where: { r in r.after.map { done[$0] != nil || !runs.contains { $0.name == r.after } } ?? true }) {
                    let r = pending.remove(at: i)
                    running.append(r.name)
                    group.addTask { (r.name, try await lane([r], data: data, bin: bin, work: work, common: common)[r.name]!) }
                }
                guard let (name, outcome) = try await group.next() else { break }
                done[name] = outcome
                running.removeAll { $0 == name }
            }
        }
        return done
    }

    static func lane(_ runs: [Run], data: String, bin: String, work: String, common: [String]) async throws -> [String: Outcome] {
        var out: [String: Outcome] = [:]
        for r in runs {
            let t = Date()
            let bundle = work + "/" + r.name
            var args = ["train", "--archive", data + "/" + r.archive, "--out", bundle] + common + r.trainArgs
            if let after = r.after { args += ["--reuse-m0", work + "/" + after] }
            try await exec(bin, args, log: work + "/" + r.name + ".train.log")
            let bal = try await evaluate(bin, ["eval", "--archive", data + "/t10k", "--model", bundle, "--threads", "1", "--json"],
                                         log: work + "/" + r.name + ".eval.json")
            let dep = try await evaluate(bin, ["eval", "--archive", data + "/t10k", "--model", bundle, "--weight-by", data + "/lt",
                                               "--threads", "1", "--json"], log: work + "/" + r.name + ".eval-deployed.json")
            out[r.name] = Outcome(balanced: bal.plain, deployed: dep.deployed ?? [:], order: bal.order, seconds: Date().timeIntervalSince(t))
            FileHandle.standardError.write(Data(String(format: "longtail: %@ done in %.1f min\n", r.name, Date().timeIntervalSince(t) / 60).utf8))
        }
        return out
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
        return s
    }

    /// The issue's targets for the default `camsift train`, measured in this run.
    static func checkTargets(_ r: [String: Outcome]) -> String {
        guard let def = r["default"], let fusedB = def.balanced["fused"], let fusedD = def.deployed["fused"] else {
            return "targets: default run missing"
        }
        func bal(_ n: String) -> Double? { r[n]?.balanced["M0"]?.macroF1 }
        var lines: [String] = []
        func check(_ what: String, _ ok: Bool?, _ detail: String) {
            lines.append("\(ok == nil ? "SKIP" : ok! ? "PASS" : "FAIL")  \(what): \(detail)")
        }
        check("balanced macro F1 ≥ class-balanced resampling", bal("balanced").map { fusedB.macroF1 >= $0 },
              "\(f(fusedB.macroF1)) vs \(f(bal("balanced")))")
        check("balanced macro F1 ≥ deferred resampling", bal("deferred").map { fusedB.macroF1 >= $0 },
              "\(f(fusedB.macroF1)) vs \(f(bal("deferred")))")
        let ceAcc = r["ce"]?.deployed["M0"]?.accuracy
        check("deployed accuracy ≥ CE − 0.01", ceAcc.map { fusedD.accuracy >= $0 - 0.01 }, "\(f(fusedD.accuracy)) vs \(f(ceAcc))")
        var best = -1.0, bestName = ""
        for n in ["ce", "weighted", "balanced", "deferred"] {
            if let m = r[n]?.deployed["M0"]?.macroF1, m > best { best = m; bestName = n }
        }
        if let d = r["dynamic"] {
            for role in ["M1", "fused"] { if let m = d.deployed[role]?.macroF1, m > best { best = m; bestName = "dynamic " + role } }
        }
        check("deployed macro F1 ≥ every baseline", best < 0 ? nil : fusedD.macroF1 >= best,
              "\(f(fusedD.macroF1)) vs best \(f(best)) (\(bestName))")
        return "\ntargets (default camsift train):\n" + lines.joined(separator: "\n")
    }
}
