#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation
import Testing
@testable import NN

@Suite("Model file")
struct ModelFileTests {
    /// A small but complete model file: odd tensor sizes so padding and offsets are exercised.
    static func sample() throws -> ModelFile {
        var rng = SplitMix(seed: 7)
        let tensors = [
            ModelFile.NamedTensor(name: "conv.weight", shape: [4, 3, 3, 3], values: (0..<108).map { _ in rng.float() }),
            ModelFile.NamedTensor(name: "conv.bias", shape: [4], values: [1, -2, 3.5, .leastNonzeroMagnitude]),
            ModelFile.NamedTensor(name: "empty", shape: [0], values: []),
            ModelFile.NamedTensor(name: "dense.weight", shape: [2, 17], values: (0..<34).map { _ in rng.float() }),
        ]
        return try ModelFile(architectureJSON: #"{"name":"small-cnn","layers":[{"conv":4},{"dense":2}]}"#,
                             classes: ["cat", "dog \u{1F436}"],
                             normalization: .init(mean: [127, 127, 127], std: [128, 128, 128]), inputSize: [28, 28],
                             metadata: ["created": "2026-11-23T05:00:00Z", "source": "unit test"], tensors: tensors)
    }

    static func tempDir() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/camsift-modelfile-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw NNError(code: .io, message: "mkdtemp failed") }
        return String(cString: p)
    }

    /// Parses and expects a refusal with `code` whose message names the file and contains `fragment`.
    static func expectRefusal(_ bytes: [UInt8], _ code: NNError.Code, _ fragment: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        expectRefusal(bytes, [code], [fragment], sourceLocation: sourceLocation)
    }

    static func expectRefusal(_ bytes: [UInt8], _ codes: Set<NNError.Code>, _ fragments: [String],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ModelFile.parse(bytes, path: "/models/x.csm")
            Issue.record("accepted a bad file (expected \(codes))", sourceLocation: sourceLocation)
        } catch let e as NNError {
            #expect(codes.contains(e.code), "got \(e.code): \(e.message)", sourceLocation: sourceLocation)
            #expect(e.message.contains("/models/x.csm"), "\(e.message)", sourceLocation: sourceLocation)
            #expect(fragments.contains { e.message.contains($0) }, "\(e.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Replaces the SHA-256 trailer so a deliberately edited file passes the checksum and reaches later checks.
    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        let body = Array(bytes.dropLast(32))
        return body + SHA256.hash(body)
    }

    @Test func roundTripThroughDisk() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try Self.sample()
        let path = dir + "/m.csm"
        try m.write(path: path)
        let r = try ModelFile.read(path: path)
        #expect(r.classes == m.classes)
        #expect(r.normalization == m.normalization)
        #expect(r.inputSize == [28, 28])
        #expect(r.metadata == m.metadata)
        #expect(r.architectureName == "small-cnn")
        #expect(r.tensors == m.tensors)
        #expect(r["conv.bias"]?.values == [1, -2, 3.5, .leastNonzeroMagnitude])
        #expect(try r.tensor("dense.weight", shape: [2, 17]).values.count == 34)
        struct Arch: Decodable { var name: String; var layers: [[String: Int]] }
        #expect(try r.architecture(as: Arch.self).layers.count == 2)
        // Re-serialising what was read gives identical bytes (stable, deterministic writer).
        #expect(try r.serialized() == (try m.serialized()))
    }

    @Test func layoutMatchesTheSpec() throws {
        let bytes = try Self.sample().serialized()
        #expect(Array(bytes[0..<8]) == Array("CAMSIFT".utf8) + [0])
        #expect(ModelFile.readLE(bytes, at: 8, as: UInt32.self) == 1)
        let h = Int(ModelFile.readLE(bytes, at: 12, as: UInt64.self))
        let dataStart = (20 + h + 63) / 64 * 64
        // conv.weight is the first tensor, at data offset 0.
        var first: Float = 0
        withUnsafeMutableBytes(of: &first) { $0.copyBytes(from: bytes[dataStart..<dataStart + 4]) }
        #expect(first == (try Self.sample()).tensors[0].values[0])
        #expect(Array(bytes.suffix(32)) == SHA256.hash(bytes.dropLast(32)))
    }

    @Test func refusesTruncatedFiles() throws {
        let bytes = try Self.sample().serialized()
        // Shorter than magic + version + length + checksum: "too short".
        for cut in [0, 10, 19, 40, 51] {
            Self.expectRefusal(Array(bytes.prefix(cut)), .truncated, "too short")
        }
        // Longer: either the header runs past the end or the checksum no longer matches; never accepted.
        for cut in [60, 200, bytes.count / 2, bytes.count - 33, bytes.count - 1] {
            Self.expectRefusal(Array(bytes.prefix(cut)), [.truncated, .checksumMismatch], ["header length", "checksum"])
        }
    }

    @Test func refusesBitFlipsAnywhere() throws {
        let bytes = try Self.sample().serialized()
        // Header, padding, tensor data and trailer: every region is covered by the checksum.
        for at in [30, 100, bytes.count - 200, bytes.count - 40, bytes.count - 5] {
            var b = bytes
            b[at] ^= 0x10
            Self.expectRefusal(b, .checksumMismatch, "checksum")
        }
    }

    @Test func refusesWrongMagicAndVersion() throws {
        var b = try Self.sample().serialized()
        b[0] = UInt8(ascii: "X")
        Self.expectRefusal(b, .badMagic, "not a camsift model file")
        b = try Self.sample().serialized()
        b[8] = 2
        Self.expectRefusal(Self.resealed(b), .unsupportedVersion, "format version 2")
    }

    @Test func refusesHeaderLengthPastTheEnd() throws {
        var b = try Self.sample().serialized()
        b[12 + 5] = 0x7F
        Self.expectRefusal(b, .truncated, "header length")
    }

    @Test func refusesMalformedHeaderEvenWithAValidChecksum() throws {
        let good = try Self.sample().serialized()
        let h = Int(ModelFile.readLE(good, at: 12, as: UInt64.self))
        let header = String(decoding: good[20..<20 + h], as: UTF8.self)
        func with(_ newHeader: String) -> [UInt8] {
            var hb = Array(newHeader.utf8)
            hb += [UInt8](repeating: UInt8(ascii: " "), count: max(0, h - hb.count))
            precondition(hb.count == h, "replacement header must not be longer")
            var b = good
            b.replaceSubrange(20..<20 + h, with: hb)
            return Self.resealed(b)
        }
        Self.expectRefusal(with("{not json"), .corrupt, "not valid JSON")
        Self.expectRefusal(with(header.replacingOccurrences(of: "\"classes\"", with: "\"klasses\"")), .corrupt,
                           "'classes'")
        // Second tensor moved onto the first: overlapping data.
        Self.expectRefusal(with(header.replacingOccurrences(of: "\"offset\":448", with: "\"offset\":64 ")),
                           .corrupt, "overlap")
        // A tensor whose extent runs past the data.
        Self.expectRefusal(with(header.replacingOccurrences(of: "\"offset\":448", with: "\"offset\":960")),
                           .truncated, "runs past the end")
    }

    @Test func missingFileNamesThePathAndTheFix() throws {
        do {
            _ = try ModelFile.read(path: "/nonexistent/dir/model.csm")
            Issue.record("read a missing file")
        } catch let e as NNError {
            #expect(e.code == .io)
            #expect(e.message.contains("/nonexistent/dir/model.csm") && e.message.contains("does not exist"))
        }
    }

    @Test func writeReplacesAtomicallyAndLeavesNoTempFiles() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.csm"
        var m = try Self.sample()
        try m.write(path: path)
        m.classes = ["x", "y"]
        try m.write(path: path)
        #expect(try ModelFile.read(path: path).classes == ["x", "y"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["m.csm"])
        // A write that cannot complete (the target is a directory) fails with an error naming it and
        // cleans up its temp file; the directory is untouched.
        try FileManager.default.createDirectory(atPath: dir + "/busy.csm/inner", withIntermediateDirectories: true)
        do {
            try m.write(path: dir + "/busy.csm")
            Issue.record("wrote over a directory")
        } catch let e as NNError {
            #expect(e.code == .io && e.message.contains("busy.csm"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["busy.csm", "m.csm"])
    }

    @Test func rejectsDuplicateNamesAndBadArchitecture() throws {
        let t = ModelFile.NamedTensor(name: "a", shape: [1], values: [0])
        #expect(throws: NNError.self) {
            _ = try ModelFile(architectureJSON: #"{"name":"x"}"#, classes: [], normalization: .init(mean: [], std: []),
                              inputSize: [1, 1], tensors: [t, t])
        }
        #expect(throws: NNError.self) {
            _ = try ModelFile(architectureJSON: "[1,2]", classes: [], normalization: .init(mean: [], std: []),
                              inputSize: [1, 1], tensors: [])
        }
    }
}

/// Deterministic pseudo-random numbers for tests (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}
