import Foundation

/// Reader for the IDX format of (Fashion-)MNIST (LeCun et al.): magic 0x0000 08 <ndims>, big-endian u32 dims,
/// then u8 data. `.gz` files are inflated with the system `gzip` (Debian ships the dataset gzipped and
/// camsift links no zlib).
public struct IDXFile: Sendable {
    public var dims: [Int]
    public var data: [UInt8]

    public init(bytes: [UInt8], name: String) throws {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            throw LearningError(.badImage, "\(name): not an IDX u8 file (bad magic); expected e.g. train-images-idx3-ubyte")
        }
        let nd = Int(bytes[3])
        guard bytes.count >= 4 + 4 * nd else { throw LearningError(.badImage, "\(name): truncated IDX header") }
        dims = (0..<nd).map { k in
            let o = 4 + 4 * k
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
        let n = dims.reduce(1, *)
        let start = 4 + 4 * nd
        guard bytes.count >= start + n else {
            throw LearningError(.badImage, "\(name): IDX data truncated (\(bytes.count - start) of \(n) bytes); re-install the dataset")
        }
        data = Array(bytes[start..<(start + n)])
    }

    /// Reads `path`, inflating it first when it ends in `.gz`.
    public static func read(_ path: String) throws -> IDXFile {
        let bytes: [UInt8]
        if path.hasSuffix(".gz") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/gzip")
            p.arguments = ["-dc", path]
            let out = Pipe()
            p.standardOutput = out
            do { try p.run() } catch {
                throw LearningError(.io, "cannot run gzip to read '\(path)': \(error); install gzip")
            }
            let d = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw LearningError(.io, "gzip failed on '\(path)' (file corrupt?)") }
            bytes = Array(d)
        } else {
            guard let d = FileManager.default.contents(atPath: path) else {
                throw LearningError(.io, "cannot read '\(path)'; install Debian's dataset-fashion-mnist")
            }
            bytes = Array(d)
        }
        return try IDXFile(bytes: bytes, name: path)
    }
}
