#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

extension ModelFile {
    /// The file's bytes, exactly as `write(path:)` stores them (docs/model-format.md).
    public func serialized() throws -> [UInt8] {
        var entries: [String] = []
        var offset = 0
        for t in tensors {
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("{\"name\":\(try Self.jsonString(t.name)),\"shape\":[\(shape)],\"offset\":\(offset),\"count\":\(t.values.count)}")
            offset += (t.values.count * 4 + Self.alignment - 1) / Self.alignment * Self.alignment
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func enc<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
        let header = "{\"architecture\":\(architectureJSON),\"classes\":\(try enc(classes)),"
            + "\"normalization\":\(try enc(normalization)),\"inputSize\":\(try enc(inputSize)),"
            + "\"metadata\":\(try enc(metadata)),\"tensors\":[\(entries.joined(separator: ","))]}"
        let headerBytes = Array(header.utf8)

        var out: [UInt8] = Self.magic
        out.reserveCapacity(headerBytes.count + offset + 256)
        withUnsafeBytes(of: Self.formatVersion.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        out += [UInt8](repeating: 0, count: (Self.alignment - out.count % Self.alignment) % Self.alignment)
        for t in tensors {
            #if _endian(big)
            let values = t.values.map { Float(bitPattern: $0.bitPattern.littleEndian) }
            #else
            let values = t.values
            #endif
            values.withUnsafeBytes { out.append(contentsOf: $0) }
            out += [UInt8](repeating: 0, count: (Self.alignment - (t.values.count * 4) % Self.alignment) % Self.alignment)
        }
        out += SHA256.hash(out)
        return out
    }

    /// Writes the model atomically: `NAME.tmp-PID`, fsync, rename over `NAME`, fsync the directory. A crash at
    /// any point leaves either the previous file or the complete new one.
    public func write(path: String) throws {
        try Self.writeAtomically(try serialized(), to: path)
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(NNError) {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw NNError(code: .io, message: "cannot write model file '\(path)': \(error.step) failed; check the "
                          + "directory exists, is writable and has space", cause: Errno(error.errno))
        }
    }

    private static func jsonString(_ s: String) throws -> String {
        String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
    }
}
