import Media

/// Images of one split held in memory at the network's input size (raw 0...255 values, CHW), with labels.
/// Small-input training keeps the pixels; transfer learning replaces them by cached backbone features.
public struct ImageSet: Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var pixels: [Float]
    public var labels: [Int]
    /// Stored versions of each image (cached feature draws); image i, variant v is at (i·variants + v).
    public var variants = 1

    public init(channels: Int, height: Int, width: Int, pixels: [Float] = [], labels: [Int] = []) {
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    public var count: Int { labels.count }
    public var perImage: Int { channels * height * width }

    public func image(_ i: Int, variant: Int = 0) -> FloatImage {
        let k = i * variants + variant
        return FloatImage(channels: channels, height: height, width: width,
                          pixels: Array(pixels[(k * perImage)..<((k + 1) * perImage)]))
    }

    public mutating func append(_ img: FloatImage, label: Int) {
        precondition(img.channels == channels && img.height == height && img.width == width, "image size mismatch")
        pixels += img.pixels
        labels.append(label)
    }

    /// Decodes the archive items at `indices` (JPEG → `channels`, resized). A file that fails to decode is
    /// an error naming it (training data must be complete; drop or re-encode the file).
    public static func load(_ archive: LabeledArchive, indices: [Int], channels: Int, height: Int, width: Int) throws -> ImageSet {
        var set = ImageSet(channels: channels, height: height, width: width)
        set.pixels.reserveCapacity(indices.count * channels * height * width)
        for i in indices {
            let item = archive.items[i]
            let bytes: [UInt8]
            do {
                bytes = try readFile(item.path)
            } catch {
                throw LearningError(.io, "cannot read '\(item.path)': \(error)", cause: error as? LearningError)
            }
            do {
                let img = try TrainingImageCodec.decode(bytes: bytes, channels: channels, height: height, width: width,
                                                        name: item.path)
                set.append(img, label: item.label)
            } catch {
                throw LearningError(.badImage, "\(error)")
            }
        }
        return set
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw LearningError(.io, "cannot open '\(path)' (errno \(errno))") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n > 0 { out += chunk[0..<n] }
            if n < chunk.count { break }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif
