import CFFmpeg
import CamsiftCore
import Foundation

/// Log-mel features of mono audio at `AudioClipReader.sampleRate` (issue 19's audio modality). The paper's
/// audio network (SoundNet) and its weights are not available offline, so camsift uses the hand-made features
/// SoundNet-era systems started from: 25 ms Hann windows every 10 ms, a 512-point real FFT (libavutil's `av_tx`,
/// `AV_TX_FLOAT_RDFT`), power spectrum, `bands` triangular mel filters (HTK mel scale, 0 Hz–Nyquist), log(ε + E).
/// `descriptor` summarises a clip as the per-band mean and standard deviation over its frames — 2 × 64 = 128
/// numbers, the paper's per-modality width.
public final class LogMel {
    public static let window = 400, hop = 160, fftSize = 512, bands = 64
    private var tx: OpaquePointer?
    private var fn: av_tx_fn?
    private let filters: [[(bin: Int, weight: Float)]]
    private let hann: [Float]
    /// `av_tx`'s SIMD code needs its buffers aligned as `av_malloc` aligns them (32 bytes for AVX); Swift arrays
    /// are not, so the FFT reads and writes these.
    private let input: UnsafeMutablePointer<Float>
    private let spectrum: UnsafeMutablePointer<Float>

    public init() throws(MediaError) {
        var scale: Float = 1
        let rc = av_tx_init(&tx, &fn, AV_TX_FLOAT_RDFT, 0, Int32(Self.fftSize), &scale, 0)
        try FFmpeg.check(rc, "av_tx_init(RDFT \(Self.fftSize))", "the audio feature extractor")
        hann = (0..<Self.window).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(Self.window))) }
        filters = Self.melFilters(bands: Self.bands, fftSize: Self.fftSize, sampleRate: AudioClipReader.sampleRate)
        guard let i = av_malloc(Self.fftSize * MemoryLayout<Float>.stride),
              let o = av_malloc(2 * (Self.fftSize / 2 + 1) * MemoryLayout<Float>.stride) else {
            av_tx_uninit(&tx)
            throw MediaError(.outOfMemory, "av_malloc failed for the audio feature extractor")
        }
        // Zeroed, not left as av_malloc returns them: with FFmpeg 5.1's RDFT some runs gave non-finite energies in
        // every frame (AudioFeaturesTests, about 1 in 10 processes) — a value the transform reads before it writes it
        // was whatever the allocator left there. Zeroed once, every frame's input and output are defined.
        input = i.initializeMemory(as: Float.self, repeating: 0, count: Self.fftSize)
        spectrum = o.initializeMemory(as: Float.self, repeating: 0, count: 2 * (Self.fftSize / 2 + 1))
    }

    deinit {
        av_tx_uninit(&tx)
        av_free(input)
        av_free(spectrum)
    }

    static func mel(_ hz: Double) -> Double { 2595 * log10(1 + hz / 700) }
    static func hz(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }

    /// Triangular filters with centres evenly spaced in mel, each a list of (FFT bin, weight).
    static func melFilters(bands: Int, fftSize: Int, sampleRate: Int) -> [[(bin: Int, weight: Float)]] {
        let top = mel(Double(sampleRate) / 2)
        let edges = (0...(bands + 1)).map { hz(top * Double($0) / Double(bands + 1)) }
        let binHz = Double(sampleRate) / Double(fftSize)
        return (0..<bands).map { b in
            let lo = edges[b], mid = edges[b + 1], hi = edges[b + 2]
            return (0...(fftSize / 2)).compactMap { k -> (bin: Int, weight: Float)? in
                let f = Double(k) * binHz
                let w = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid)
                return w > 0 ? (k, Float(w)) : nil
            }
        }
    }

    /// Frames × bands of log mel energies (no frame for less than one window of audio).
    public func frames(_ samples: [Float]) -> [[Float]] {
        guard samples.count >= Self.window, let fn else { return [] }
        var out: [[Float]] = []
        var start = 0
        while start + Self.window <= samples.count {
            for i in 0..<Self.window { input[i] = samples[start + i] * hann[i] }
            for i in Self.window..<Self.fftSize { input[i] = 0 }
            cffmpeg_tx_call(fn, tx, spectrum, input, MemoryLayout<Float>.stride)
            var row = [Float](repeating: 0, count: Self.bands)
            for (b, filter) in filters.enumerated() {
                var e: Float = 0
                for (k, w) in filter {
                    let re = spectrum[2 * k], im = spectrum[2 * k + 1]
                    e += w * (re * re + im * im)
                }
                row[b] = logf(1e-10 + e)
            }
            out.append(row)
            start += Self.hop
        }
        return out
    }

    /// Per-band mean then per-band standard deviation over the clip's frames (2 × `bands`); nil without a frame.
    public func descriptor(_ samples: [Float]) -> [Float]? {
        let f = frames(samples)
        guard !f.isEmpty else { return nil }
        var mean = [Float](repeating: 0, count: Self.bands), sd = mean
        for row in f { for b in 0..<Self.bands { mean[b] += row[b] } }
        for b in 0..<Self.bands { mean[b] /= Float(f.count) }
        for row in f { for b in 0..<Self.bands { sd[b] += (row[b] - mean[b]) * (row[b] - mean[b]) } }
        for b in 0..<Self.bands { sd[b] = (sd[b] / Float(f.count)).squareRoot() }
        return mean + sd
    }
}
