#if canImport(Glibc)
import Glibc
#endif
import CamsiftCore
import Foundation

extension ModelFile {
    /// Reads and verifies a model file. Checks, in order: size, magic, version, header bounds, the SHA-256
    /// trailer (before anything else is trusted), header JSON, then every tensor's bounds and overlaps.
    public static func read(path: String) throws -> ModelFile {
        let bytes = try readAll(path: path)
        return try parse(bytes, path: path)
    }

    /// Parses model-file bytes; `path` only names the source in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> ModelFile {
        func fail(_ code: NNError.Code, _ what: String) -> NNError {
            NNError(code: code, message: "model file '\(path)': \(what)")
        }
        let fix = "re-create it (make weights, or retrain) or restore a good copy"
        let fixed = 8 + 4 + 8
        guard bytes.count >= fixed + 32 else {
            throw fail(.truncated, "\(bytes.count) bytes is too short to be a model file; \(fix)")
        }
        guard Array(bytes[0..<8]) == magic else {
            throw fail(.badMagic, "wrong magic (not a camsift model file)")
        }
        let version = readLE(bytes, at: 8, as: UInt32.self)
        guard version == formatVersion else {
            throw fail(.unsupportedVersion, "format version \(version); this camsift reads version \(formatVersion)")
        }
        let headerLength = readLE(bytes, at: 12, as: UInt64.self)
        guard headerLength <= UInt64(bytes.count - fixed - 32) else {
            throw fail(.truncated, "header length \(headerLength) runs past the end of the \(bytes.count)-byte file; \(fix)")
        }
        let body = bytes.count - 32
        var sha = SHA256()
        bytes.withUnsafeBytes { sha.update(raw: UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
        guard sha.finalize() == Array(bytes[body...]) else {
            throw fail(.checksumMismatch, "SHA-256 checksum mismatch: the file is truncated or corrupt; \(fix)")
        }

        let headerEnd = fixed + Int(headerLength)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[fixed..<headerEnd]))
        } catch {
            throw fail(.corrupt, "header is not valid JSON (\(error)); \(fix)")
        }
        guard let header = object as? [String: Any] else { throw fail(.corrupt, "header is not a JSON object") }
        guard let arch = header["architecture"] as? [String: Any] else {
            throw fail(.corrupt, "header field 'architecture' missing or not an object")
        }
        let archText = String(decoding: try JSONSerialization.data(withJSONObject: arch), as: UTF8.self)
        guard let classes = header["classes"] as? [String] else {
            throw fail(.corrupt, "header field 'classes' missing or not a list of strings")
        }
        guard let norm = header["normalization"] as? [String: Any],
              let mean = (norm["mean"] as? [NSNumber])?.map({ $0.floatValue }),
              let std = (norm["std"] as? [NSNumber])?.map({ $0.floatValue }) else {
            throw fail(.corrupt, "header field 'normalization' must be {\"mean\": [..], \"std\": [..]}")
        }
        guard let inputSize = (header["inputSize"] as? [NSNumber])?.map({ $0.intValue }) else {
            throw fail(.corrupt, "header field 'inputSize' missing or not a list of integers")
        }
        let metadata = header["metadata"] as? [String: String] ?? [:]
        guard let entries = header["tensors"] as? [[String: Any]] else {
            throw fail(.corrupt, "header field 'tensors' missing or not a list of objects")
        }

        let dataStart = (headerEnd + alignment - 1) / alignment * alignment
        guard dataStart <= body else { throw fail(.truncated, "tensor data would start past the end; \(fix)") }
        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(entries.count)
        var ranges: [(Int, Int, String)] = []
        for (i, e) in entries.enumerated() {
            guard let name = e["name"] as? String,
                  let shape = (e["shape"] as? [NSNumber])?.map({ $0.intValue }),
                  let offset = (e["offset"] as? NSNumber)?.intValue,
                  let count = (e["count"] as? NSNumber)?.intValue else {
                throw fail(.corrupt, "tensor entry \(i) needs name, shape, offset and count")
            }
            guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == count, count >= 0 else {
                throw fail(.corrupt, "tensor '\(name)': shape \(shape) does not hold count \(count)")
            }
            guard offset >= 0, offset % alignment == 0 else {
                throw fail(.corrupt, "tensor '\(name)': offset \(offset) is not a multiple of \(alignment)")
            }
            let start = dataStart + offset
            guard start <= body, count <= (body - start) / 4 else {
                throw fail(.truncated, "tensor '\(name)' (\(count) floats at offset \(offset)) runs past the end; \(fix)")
            }
            if count > 0 { ranges.append((offset, offset + count * 4, name)) }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<start + count * 4]))
                }
            }
            #if _endian(big)
            for j in values.indices { values[j] = Float(bitPattern: UInt32(littleEndian: values[j].bitPattern)) }
            #endif
            tensors.append(NamedTensor(name: name, shape: shape, values: values))
        }
        ranges.sort { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw fail(.corrupt, "tensors '\(a.2)' and '\(b.2)' overlap")
        }
        do {
            return try ModelFile(architectureJSON: archText, classes: classes,
                                 normalization: Normalization(mean: mean, std: std), inputSize: inputSize,
                                 metadata: metadata, tensors: tensors)
        } catch let e as NNError {
            throw fail(.corrupt, e.message)
        }
    }

    static func readLE<T: FixedWidthInteger>(_ b: [UInt8], at offset: Int, as: T.Type) -> T {
        var v: T = 0
        for i in 0..<MemoryLayout<T>.size { v |= T(b[offset + i]) << (8 * i) }
        return v
    }

    /// The whole file, read with read(2) so a short read or an I/O error is reported, not papered over.
    static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw NNError(code: .io, message: "cannot open model file '\(path)'"
                          + (e == ENOENT ? "; it does not exist (run `make weights` or pass --model FILE)" : ""),
                          cause: Errno(e))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw NNError(code: .io, message: "cannot stat model file '\(path)'", cause: Errno(errno))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw NNError(code: .io, message: "model file '\(path)' is not a regular file")
        }
        let size = Int(st.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var got = 0
        try bytes.withUnsafeMutableBytes { buf in
            while got < size {
                let n = Glibc.read(fd, buf.baseAddress! + got, size - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw NNError(code: .io, message: "cannot read model file '\(path)'", cause: Errno(errno))
                }
                if n == 0 { break }
                got += n
            }
        }
        if got < size { bytes.removeLast(size - got) }
        return bytes
    }
}
