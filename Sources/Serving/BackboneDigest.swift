import CamsiftCore
import NN

/// Names the weights a model's pooled features come from: SHA-256 over the name, shape and values of every
/// tensor except the classifier's (`classifier.*`). Two model files with the same digest give the same features
/// for the same input, whatever their heads — so a window model trained on the ImageNet EfficientNet-Lite0's
/// features can be served on a level-1 bundle (backbone frozen) and refused on a fine-tuned one.
public enum BackboneDigest {
    public static func of(_ m: ModelFile) -> String {
        var s = SHA256()
        for t in m.tensors where !t.name.hasPrefix("classifier.") {
            s.update(Array(t.name.utf8) + [0])
            for d in t.shape { s.update(withUnsafeBytes(of: UInt32(d).littleEndian) { Array($0) }) }
            t.values.withUnsafeBytes { s.update(raw: $0) }
        }
        return String(SHA256.hex(s.finalize()).prefix(16))
    }
}
