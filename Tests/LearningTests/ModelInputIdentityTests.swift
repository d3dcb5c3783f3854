import CamsiftCore
import Foundation
import Media
import Serving
import Testing
@testable import Learning

/// Issue 15 §1: one JPEG, one model input. A non-square archive image read for training (`ImageSet.load` +
/// the bundle's normalisation, what the trainer and `camsift eval` feed) and the same bytes decoded the way
/// ingest and `camsift classify` do (`JPEGDecoder.decode(_:geometry:)` + `ModelInput.tensor`) must give the
/// very same floats; and a bundle trained with `--fit letterbox` records it and is served letterboxed.
@Suite(.serialized) struct ModelInputIdentityTests {
    static let photos = "/usr/share/doc/opencv-doc/examples/data/"

    /// Two classes of real, non-square photos (opencv-doc): 548×342, 512×384, 868×600, 512×480 …
    static func makeArchive(_ dir: String) throws {
        try? FileManager.default.removeItem(atPath: dir)
        let classes = ["wide": ["messi5.jpg", "building.jpg", "home.jpg", "left01.jpg"],
                       "other": ["fruits.jpg", "squirrel_cls.jpg", "aero1.jpg", "board.jpg"]]
        for (label, files) in classes {
            try FileManager.default.createDirectory(atPath: dir + "/" + label, withIntermediateDirectories: true)
            for f in files {
                guard FileManager.default.fileExists(atPath: photos + f) else {
                    Issue.record("sample photo \(photos + f) missing: install opencv-doc (`make deps`)")
                    continue
                }
                try FileManager.default.copyItem(atPath: photos + f, toPath: dir + "/" + label + "/" + f)
            }
        }
    }

    static let geometries: [InputGeometry] = [
        InputGeometry(size: 40, channels: 1, fit: .crop, cropFraction: 1, mean: [117.5], std: [61.25]),
        InputGeometry(size: 48, channels: 3, fit: .letterbox, cropFraction: 0.9, mean: [120, 110, 100], std: [60, 55, 50]),
        InputGeometry(size: 224, channels: 3, fit: .crop, cropFraction: 0.875, mean: [127, 127, 127], std: [128, 128, 128]),
    ]

    @Test(arguments: geometries) func archiveAndLivePathsGiveBitIdenticalTensors(_ g: InputGeometry) throws {
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-modelinput-\(getpid())-\(g.size)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp)
        let archive = try LabeledArchive.scan(tmp)
        let norm = Normalization(mean: g.mean, std: g.std)
        let decoder = try JPEGDecoder()
        for (i, item) in archive.items.enumerated() {
            // Training's and eval's path.
            let set = try ImageSet.load(archive, indices: [i], geometry: g)
            let trained = norm.apply(set.pixels, channels: set.channels, perImage: set.perImage)
            // The live path: the decode ingest runs on a camera's JPEG bytes, then the served model's tensor.
            let bytes = try #require(FileManager.default.contents(atPath: item.path))
            let frame = try [UInt8](bytes).withUnsafeBytes { try decoder.decode($0, geometry: g) }
            let served = try ModelInput.tensor([frame], geometry: g)
            #expect(trained.count == g.elementCount)
            #expect(trained == served, "\(item.path) at \(g): archive and live tensors differ")
            // And they are the image, not a constant: the photo has texture.
            #expect(Set(served).count > 50)
        }
    }

    /// A camera with a `region`: the daemon cuts the region out once and re-encodes it once (`RegionFrame`,
    /// quality 95); the model input is decoded from those bytes and the archive saves those bytes. So the
    /// archived file is byte-for-byte the JPEG the live input came from, and training's tensor, the daemon's
    /// tensor of the archived file and the live tensor are all bit-identical.
    @Test(arguments: geometries) func regionCameraArchiveMatchesLiveInput(_ g: InputGeometry) throws {
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-region-\(getpid())-\(g.size)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.createDirectory(atPath: tmp + "/lot/cam", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmp + "/street/cam", withIntermediateDirectories: true)
        let region = Region(x: 0.1, y: 0.4, w: 0.5, h: 0.5)
        let decoder = try JPEGDecoder()
        let regionFrame = try RegionFrame()
        let files = ["messi5.jpg", "building.jpg", "home.jpg", "fruits.jpg"]
        var live: [String: (jpeg: [UInt8], tensor: [Float])] = [:]
        for (k, f) in files.enumerated() {
            let original = try #require(FileManager.default.contents(atPath: Self.photos + f).map { [UInt8]($0) })
            // What DecodePool does for a region camera's JPEG: the frame's bytes and its model input.
            let frame = try original.withUnsafeBytes {
                try regionFrame.make(jpeg: $0, region: region, decoder: decoder, geometry: g)
            }
            live[f] = (frame.jpeg, try ModelInput.tensor([frame.pixels], geometry: g))
            let path = tmp + (k % 2 == 0 ? "/lot/cam/" : "/street/cam/") + f
            FileManager.default.createFile(atPath: path, contents: Data(frame.jpeg))  // what the archiver saves
        }
        let archive = try LabeledArchive.scan(tmp)
        #expect(archive.items.count == files.count)
        let norm = Normalization(mean: g.mean, std: g.std)
        for (i, item) in archive.items.enumerated() {
            let set = try ImageSet.load(archive, indices: [i], geometry: g)
            let trained = norm.apply(set.pixels, channels: set.channels, perImage: set.perImage)
            let bytes = try [UInt8](#require(FileManager.default.contents(atPath: item.path)))
            let served = try ModelInput.tensor([try bytes.withUnsafeBytes { try decoder.decode($0, geometry: g) }], geometry: g)
            let name = String(item.path.split(separator: "/").last!)
            let original = try #require(live[name])
            #expect(bytes == original.jpeg, "\(name): the archived file is the bytes the live input was decoded from")
            #expect(trained == served, "\(item.path): the archived region file, training vs daemon")
            #expect(trained == original.tensor, "\(name) at \(g): training's tensor differs from the live region input")
            #expect(Set(trained).count > 50)
        }
    }

    @Test func letterboxBundleIsServedLetterboxed() throws {
        LearningThreads.set(1)
        let tmp = FileManager.default.temporaryDirectory.path + "/camsift-letterbox-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try Self.makeArchive(tmp + "/archive")
        var o = TrainingSession.Options(archive: tmp + "/archive", out: tmp + "/model")
        o.architecture = .small
        o.inputSize = 32
        o.channels = 3
        o.fit = .letterbox
        o.cropFraction = 0.95
        var c = TrainingConfiguration.published(.plain)
        c.iterations = 3
        c.batchSize = 4
        c.seed = 5
        o.configuration = c
        let (bundle, _) = try TrainingSession(options: o, networks: NetworkFactory()).run()
        let g = try #require(bundle.inputGeometry)
        #expect(g.fit == .letterbox && g.cropFraction == 0.95 && g.size == 32 && g.channels == 3)
        #expect(g.mean == bundle.normalization.mean && g.std == bundle.normalization.std)
        // Serving reads the same geometry from bundle.json, whatever the frame size it is handed later.
        let served = try BundleClassifier(directory: tmp + "/model", threads: 1)
        #expect(served.geometry == g)
        // A wide frame decoded at that geometry has black bars above and below, none at the sides.
        let bytes = try #require(FileManager.default.contents(atPath: Self.photos + "messi5.jpg"))
        let frame = try [UInt8](bytes).withUnsafeBytes { try JPEGDecoder().decode($0, geometry: served.geometry) }
        let row = { (y: Int) in frame.rgb[(y * 32 * 3)..<((y + 1) * 32 * 3)] }
        #expect(row(0).allSatisfy { $0 == 0 } && row(31).allSatisfy { $0 == 0 })
        #expect(row(16).contains { $0 != 0 })
        #expect(try served.classify([frame]).count == 1)
    }

    @Test func bundlesFromBeforeGeometryAreServedAsBefore() throws {
        let b = ServedBundle(classes: ["a", "b"], models: ["M0": "M0-x.csm"], primary: "M0", fusion: nil,
                             architecture: "small-cnn", inputShape: [1, 28, 28],
                             normalization: Normalization(mean: [72.9], std: [90]), inputGeometry: nil)
        let g = b.geometry()
        #expect(g == InputGeometry(size: 28, channels: 1, fit: .crop, cropFraction: 1, mean: [72.9], std: [90]))
        let data = try JSONEncoder().encode(b)
        let back = try JSONDecoder().decode(ServedBundle.self, from: data)
        #expect(back.inputGeometry == nil && back.geometry() == g)
    }
}
