import CamsiftCore
import Foundation

/// The backbone features `camsift propagate` relates frames by, cached on disk so a scheduled run after new labels
/// costs one EfficientNet-Lite0 pass per *new* frame, not per frame in the archive (issue 21: "k nearest neighbours
/// on cached backbone features").
///
/// One file per backbone, `ARCHIVE/.camsift/propagation/features-<size>-<mtime>.bin` (a dot directory: training
/// never sees it). An entry is keyed by the image's path, size and modification time, so a replaced file is
/// recomputed. Format (little-endian): "CPF1", dim u32, count u32, then per entry path length u32, path bytes, size
/// i64, mtime f64, dim × f32. Written whole with `AtomicFile` (a crash leaves the previous file); entries for files
/// no longer asked for are dropped on write.
struct PropagationFeatureStore {
    let file: String
    let backbone: String

    init(archive: String, backbone: String) throws {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: backbone),
              let size = attrs[.size] as? Int, let mtime = attrs[.modificationDate] as? Date else {
            throw LearningError(.badArgument, "camsift propagate: cannot read the backbone '\(backbone)'; pass --backbone "
                + "FILE.csm (EfficientNet-Lite0, e.g. weights/effnet-lite0-imagenet.csm) or set CAMSIFT_EFFNET")
        }
        self.backbone = backbone
        file = archive + "/.camsift/propagation/features-\(size)-\(Int(mtime.timeIntervalSince1970)).bin"
    }

    private struct Key: Hashable { var path: String; var size: Int64; var mtime: Double }

    /// Features of the readable `paths` in order (rows × dim), how many had to be computed, and the indices of the
    /// paths left out: a file removed while scanning or one the decoder refuses (a torn or corrupt archived JPEG)
    /// is skipped, never the whole run — the caller drops those frames from the graph and names them.
    func features(_ paths: [String], threads: Int) throws -> (features: [Float], dim: Int, computed: Int, unreadable: [Int]) {
        var keys: [Key?] = []
        for p in paths {
            guard let a = try? FileManager.default.attributesOfItem(atPath: p), let size = a[.size] as? Int,
                  let m = a[.modificationDate] as? Date else {
                keys.append(nil)
                continue
            }
            keys.append(Key(path: p, size: Int64(size), mtime: m.timeIntervalSince1970))
        }
        var (dim, cached) = load()
        let missing = keys.indices.filter { keys[$0].map { cached[$0] == nil } ?? false }
        var refused = Set<Int>()
        if !missing.isEmpty {
            let cache = try FeatureCache(path: backbone)
            let items = missing.map { LabeledArchive.Item(path: keys[$0]!.path, label: 0, camera: "") }
            let archive = LabeledArchive(root: "/", classes: ["_"], items: items)
            func compute(_ idx: [Int]) throws {
                let set = try cache.features(archive, indices: idx)
                let d = set.pixels.count / max(1, idx.count)
                dim = d
                for (j, i) in idx.enumerated() { cached[keys[missing[i]]!] = Array(set.pixels[(j * d)..<((j + 1) * d)]) }
            }
            // Batches of 256 files keep the decoded inputs small; features are 1280 floats per frame. A batch the
            // decoder refuses is redone a file at a time to find the bad ones.
            for start in stride(from: 0, to: items.count, by: 256) {
                let idx = Array(start..<min(items.count, start + 256))
                do { try compute(idx) } catch {
                    for i in idx {
                        do { try compute([i]) } catch { refused.insert(missing[i]) }
                    }
                }
            }
        }
        var out: [Float] = []
        out.reserveCapacity(paths.count * dim)
        var unreadable: [Int] = []
        for (i, k) in keys.enumerated() {
            guard let k, !refused.contains(i), let row = cached[k] else { unreadable.append(i); continue }
            out += row
        }
        if missing.count > refused.count { save(keys.compactMap { $0 }.filter { cached[$0] != nil }, cached, dim) }
        return (out, dim, missing.count - refused.count, unreadable)
    }

    private func load() -> (Int, [Key: [Float]]) {
        guard let data = FileManager.default.contents(atPath: file), data.count >= 12 else { return (0, [:]) }
        let b = [UInt8](data)
        var at = 0
        func u32() -> Int? {
            guard at + 4 <= b.count else { return nil }
            defer { at += 4 }
            return Int(UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
        }
        func u64() -> UInt64? {
            guard at + 8 <= b.count else { return nil }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(b[at + i]) << (8 * UInt64(i)) }
            at += 8
            return v
        }
        guard b[0..<4].elementsEqual("CPF1".utf8) else { return (0, [:]) }
        at = 4
        guard let dim = u32(), let count = u32(), dim > 0 else { return (0, [:]) }
        var out: [Key: [Float]] = [:]
        for _ in 0..<count {
            guard let len = u32(), at + len <= b.count else { break }
            let path = String(decoding: b[at..<(at + len)], as: UTF8.self)
            at += len
            guard let size = u64(), let mtime = u64(), at + 4 * dim <= b.count else { break }
            var v = [Float](repeating: 0, count: dim)
            for j in 0..<dim {
                let o = at + 4 * j
                v[j] = Float(bitPattern: UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24)
            }
            at += 4 * dim
            out[Key(path: path, size: Int64(bitPattern: size), mtime: Double(bitPattern: mtime))] = v
        }
        return (dim, out)
    }

    /// Best effort: a cache that cannot be written only costs the next run the recomputation (logged by the caller's
    /// `progress` through the returned count, not an error).
    private func save(_ keys: [Key], _ cached: [Key: [Float]], _ dim: Int) {
        var b: [UInt8] = Array("CPF1".utf8)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { b += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
        u32(dim)
        u32(keys.count)
        for k in keys {
            let p = Array(k.path.utf8)
            u32(p.count)
            b += p
            u64(UInt64(bitPattern: k.size))
            u64(k.mtime.bitPattern)
            for x in cached[k]! { u32(Int(x.bitPattern)) }
        }
        try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        try? AtomicFile.write(b, to: file)
    }
}
