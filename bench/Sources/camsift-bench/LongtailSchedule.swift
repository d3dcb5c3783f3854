import Foundation
import Learning

/// How `bench-longtail` shares its trainings out over lanes (target 5: the whole benchmark within 60 min).
///
/// Why a plan rather than one shared queue: the trainings are few and long (a camsift run ~5.8 min, a PyTorch peer
/// ~4.9 on one thread here), so with lanes taking the next job in list order the last job often runs alone for most
/// of its length — the plain 3-seed run of 2026-12-07 took 60.9 min for 116.9 lane-minutes of work (58.5 each if
/// both lanes had ended together). With two lanes and peers in the run set, lane 1 runs camsift trainings only and
/// lane 2 the first k camsift trainings, then every peer, k chosen so the estimated loads are equal (3 seeds: 10
/// camsift vs 2 camsift + 9 peers; 58.5 min for the whole script on the reversed profile, 2026-12-07 13:37). Each
/// lane's queue starts with the trainings a later job waits for (a peer needs its camsift run's split, the default
/// run its CE run's M0), seed by seed, so nothing waits in practice; a lane whose next jobs are not ready takes the
/// first ready one in its own queue, or waits for a finish.
/// Other lane counts, or a run set without peers, keep one shared queue in list order.
enum LongtailSchedule {
    /// A PyTorch peer training's length relative to a camsift one (same draws; plain 3-seed run of 2026-12-07
    /// 21:35, peer on one thread: PyTorch 4.9–5.4 min, camsift 6.2–6.9).
    static let peerCost = 0.8
    /// The default run's length relative to the other camsift runs: M1 (⅔ of the budget, from the CE run's M0)
    /// plus the companion member. The first seed's computes E's EfficientNet-Lite0 features of the archive (one draw
    /// per image) and of t10k, cached for the later seeds (2026-12-08 runs: baselines 6.2 min; the default 10.1 cold
    /// and 6.2 warm with a 15-pass M1, 4.6 warm with 10 passes; E's cold features ~3.9 min).
    static let defaultColdCost = 1.37, defaultWarmCost = 0.74

    static func cost(_ j: LongtailRuns.Job, firstSeed: String?) -> Double {
        if j.run.peer != nil { return peerCost }
        guard j.run.name == "default" else { return 1 }
        return j.seed == firstSeed ? defaultColdCost : defaultWarmCost
    }

    struct Plan {
        /// One queue per lane, or a single queue every lane takes from.
        var queues: [[LongtailRuns.Job]]
        var lanes: Int
        var summary: String
    }

    static func plan(_ jobs: [LongtailRuns.Job], lanes: Int) -> Plan {
        let peers = jobs.filter { $0.run.peer != nil }, own = jobs.filter { $0.run.peer == nil }
        let firstSeed = jobs.first(where: { $0.run.name == "default" })?.seed
        let cost = { (j: LongtailRuns.Job) in Self.cost(j, firstSeed: firstSeed) }
        let peerLoad = peers.map(cost).reduce(0, +)
        guard lanes == 2, !peers.isEmpty, peerLoad < own.map(cost).reduce(0, +) else {
            return Plan(queues: [jobs], lanes: lanes, summary: "\(jobs.count) runs, one queue in list order")
        }
        // Trainings that another job waits for first (in seed order, as listed), then the others.
        let awaited = Set(jobs.compactMap(\.after))
        let ordered = own.filter { awaited.contains($0.key) } + own.filter { !awaited.contains($0.key) }
        // Load of the first a (lane 2) and the rest (lane 1) of `ordered`.
        let loads = (0...ordered.count).map { a in
            (first: ordered[..<a].map(cost).reduce(0, +), rest: ordered[a...].map(cost).reduce(0, +))
        }
        let k = (0...ordered.count).min { a, b in
            max(loads[a].first + peerLoad, loads[a].rest) < max(loads[b].first + peerLoad, loads[b].rest)
        } ?? 0
        let summary = String(format: "lane 1: %d camsift runs (est. %.1f runs' time); lane 2: %d camsift runs + %d PyTorch peers (est. %.1f)",
                             ordered.count - k, loads[k].rest, k, peers.count, loads[k].first + peerLoad)
        return Plan(queues: [Array(ordered[k...]), Array(ordered[..<k]) + peers], lanes: 2, summary: summary)
    }

    /// Runs the plan; a job that reuses another's M0 or split (`after`, same seed) starts only once that one is done.
    /// A lane whose own queue is empty takes the last ready job of another lane's queue: the plan's lengths are
    /// estimates (the box's speed and the first seed's cache vary), and a lane left idle while the other still has
    /// two runs queued costs a whole run's time at the end.
    static func run(_ plan: Plan, _ job: @escaping @Sendable (LongtailRuns.Job) async throws -> LongtailRuns.Outcome)
        async throws -> [String: LongtailRuns.Outcome] {
        var queues = plan.queues
        let planned = Set(queues.joined().map(\.key))
        var done: [String: LongtailRuns.Outcome] = [:]
        var busy = Set<Int>()
        func ready(_ j: LongtailRuns.Job) -> Bool { j.after.map { done[$0] != nil || !planned.contains($0) } ?? true }
        try await withThrowingTaskGroup(of: (Int, String, LongtailRuns.Outcome).self) { group in
            while true {
                for lane in 0..<plan.lanes where !busy.contains(lane) {
                    let q = queues.count == 1 ? 0 : lane
                    let j: LongtailRuns.Job
                    if let i = queues[q].firstIndex(where: ready) {
                        j = queues[q].remove(at: i)
                    } else if queues[q].isEmpty,
                              let other = queues.indices.filter({ $0 != q }).max(by: { queues[$0].count < queues[$1].count }),
                              let i = queues[other].lastIndex(where: ready) {
                        j = queues[other].remove(at: i)
                        FileHandle.standardError.write(Data("longtail: lane \(lane + 1) takes \(j.key) from lane \(other + 1)'s queue\n".utf8))
                    } else {
                        continue
                    }
                    busy.insert(lane)
                    group.addTask { (lane, j.key, try await job(j)) }
                }
                guard let (lane, key, outcome) = try await group.next() else { break }
                done[key] = outcome
                busy.remove(lane)
            }
        }
        let stuck = queues.joined().map(\.key)
        guard stuck.isEmpty else {
            throw LearningError(.badArgument, "longtail schedule: \(stuck.joined(separator: ", ")) never became ready")
        }
        return done
    }
}
