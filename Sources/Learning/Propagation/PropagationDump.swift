import Foundation

/// The files through which a propagation problem leaves camsift for the Apache Spark job `tools/imp_spark.py` (issue
/// 21: the paper — Indyk, Kajdanowicz, Kazienko, "Relational large scale multi-label classification method for video
/// categorization" — ran IMP as a MapReduce job over 5.1 M videos; graphs beyond one box go to an existing engine)
/// and through which its result comes back.
///
/// Input directory (raw little-endian arrays, so a 5.1 M-node graph is written without a copy and the job memory-maps
/// it): `meta.json` {"format": "camsift-imp-1", "nodes", "labels", "entries", "labelled", "clampWeight"}, `indptr.i64`
/// (n + 1 row starts), `indices.i32` and `data.f32` (the symmetrised W + Wᵀ of `PropagationGraph`, so the job does no
/// symmetrisation of its own), `seedrow.i32` (n: row of Y or −1) and `seedy.f32` (Y, labelled × L).
/// Result directory: `p.f64` (n × L, 0 for unreached nodes), `reached.i32` (iteration first reached, −1 never) and
/// `steps.json` (per iteration: reached, newlyReached, maxChange, seconds).
public enum PropagationDump {
    /// What the Spark job computed.
    public struct Result: Sendable {
        public var p: [Double]
        public var firstReached: [Int32]
        /// `steps.json`: the job's own per-iteration figures (nil when the file is missing or unreadable).
        public var run: Run?
    }

    /// `steps.json` of the job.
    public struct Run: Codable, Sendable {
        public struct Step: Codable, Sendable {
            public var iteration: Int
            public var reached: Int
            public var newlyReached: Int
            public var maxChange: Double
            public var seconds: Double
            /// Peak resident set of the job's process tree (driver, JVM, Python workers) so far.
            public var rssPeakGiB: Double
        }
        public var mode: String
        public var partitions: Int
        public var master: String
        public var sparkVersion: String
        public var seconds: Double
        public var rssPeakGiB: Double
        public var steps: [Step]
    }

    public static func write(graph: PropagationGraph, seeds: PropagationSeeds, clampWeight: Float = 1,
                             to dir: String) throws {
        guard seeds.nodeCount == graph.nodeCount else {
            throw LearningError(.badArgument, "propagation dump: seeds for \(seeds.nodeCount) nodes on a graph of \(graph.nodeCount)")
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw LearningError(.io, "propagation dump: cannot create directory '\(dir)'", cause: error)
        }
        try writeRaw(graph.rowStart.map(Int64.init), dir + "/indptr.i64")
        try writeRaw(graph.neighbour, dir + "/indices.i32")
        try writeRaw(graph.weight, dir + "/data.f32")
        try writeRaw(seeds.row, dir + "/seedrow.i32")
        try writeRaw(seeds.y, dir + "/seedy.f32")
        let meta: [String: Any] = ["format": "camsift-imp-1", "nodes": graph.nodeCount, "labels": seeds.labelCount,
                                   "entries": graph.entryCount, "labelled": seeds.labelledCount,
                                   "clampWeight": Double(clampWeight)]
        let json = try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])
        do { try json.write(to: URL(fileURLWithPath: dir + "/meta.json")) } catch {
            throw LearningError(.io, "propagation dump: cannot write '\(dir)/meta.json'", cause: error)
        }
    }

    /// Reads the job's result for a graph of `nodeCount` nodes and `labelCount` labels.
    public static func readResult(_ dir: String, nodeCount n: Int, labelCount L: Int) throws -> Result {
        let p: [Double] = try readRaw(dir + "/p.f64", count: n * L)
        let reached: [Int32] = try readRaw(dir + "/reached.i32", count: n)
        let run = FileManager.default.contents(atPath: dir + "/steps.json").flatMap {
            try? JSONDecoder().decode(Run.self, from: $0)
        }
        return Result(p: p, firstReached: reached, run: run)
    }

    /// Writes the array's bytes in 64 MiB chunks straight from its buffer (no copy of a 0.8 GB array).
    static func writeRaw<T>(_ a: [T], _ path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let h = FileHandle(forWritingAtPath: path) else {
            throw LearningError(.io, "propagation dump: cannot create '\(path)' (directory writable? disk full?)")
        }
        defer { try? h.close() }
        do {
            try a.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let len = min(64 << 20, raw.count - off)
                    try h.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress! + off),
                                                 count: len, deallocator: .none))
                    off += len
                }
            }
        } catch {
            throw LearningError(.io, "propagation dump: writing '\(path)' failed", cause: error)
        }
    }

    static func readRaw<T>(_ path: String, count: Int) throws -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LearningError(.io, "propagation result: cannot read '\(path)' (did the Spark job finish?)")
        }
        guard data.count == count * MemoryLayout<T>.stride else {
            throw LearningError(.io, "propagation result: '\(path)' has \(data.count) bytes, expected \(count * MemoryLayout<T>.stride)")
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }
}
