import CamsiftCore
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

    /// Decodes the archive items at `indices` through the one model-input path (`ArchiveImage`: the live
    /// path's JPEG decoder and framing at `geometry`, then `ModelInput.pixels`), as 0…255 CHW values. A file
    /// that fails to decode is an error naming it (training data must be complete; drop or re-encode the file).
    public static func load(_ archive: LabeledArchive, indices: [Int], geometry: InputGeometry) throws -> ImageSet {
        var set = ImageSet(channels: geometry.channels, height: geometry.size, width: geometry.size)
        set.pixels.reserveCapacity(indices.count * geometry.elementCount)
        let reader = try ArchiveImage()
        for i in indices {
            let item = archive.items[i]
            set.pixels += try reader.pixels(path: item.path, geometry: geometry)
            set.labels.append(item.label)
        }
        return set
    }

    /// `load` with a centre crop of the whole image (tests and callers without a bundle geometry).
    public static func load(_ archive: LabeledArchive, indices: [Int], channels: Int, height: Int, width: Int) throws -> ImageSet {
        precondition(height == width, "model inputs are square")
        return try load(archive, indices: indices, geometry: InputGeometry(size: height, channels: channels))
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
