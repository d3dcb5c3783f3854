import CamsiftCore
import Foundation
import Media
import Testing

/// Issue 19's audio modality on real streams with sound: a camera-like MPEG-4 file (video + AAC audio) made by
/// the ffmpeg CLI, read back through libavformat/libavcodec/libswresample, and log-mel features whose energy
/// sits where the tone is.
@Suite("audio features")
struct AudioFeaturesTests {
    /// A 4-second clip: test-pattern video with a `hz` sine tone in AAC, 44.1 kHz stereo (resampled to 16 kHz
    /// mono on reading).
    static func clip(_ hz: Int) throws -> String {
        let path = NSTemporaryDirectory() + "camsift-audio-\(getpid())-\(hz).mp4"
        let status = try Footage.run("/usr/bin/ffmpeg", [
            "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=4",
            "-f", "lavfi", "-i", "sine=frequency=\(hz):sample_rate=44100:duration=4", "-ac", "2",
            "-c:v", "mpeg4", "-c:a", "aac", "-shortest", path])
        #expect(status == 0, "ffmpeg could not make an audio clip")
        return path
    }

    @Test("a tone's log-mel energy peaks in the band holding its frequency", arguments: [500, 1000, 3000])
    func tonePeaks(_ hz: Int) throws {
        let path = try Self.clip(hz)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let samples = try AudioClipReader.read(url: path, subject: "test clip", seconds: 2)
        #expect(samples.count == 2 * AudioClipReader.sampleRate)
        let rms = (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
        #expect(rms > 0.05, "the tone is audible after decoding and resampling (rms \(rms))")
        let mel = try LogMel()
        let frames = mel.frames(samples)
        #expect(frames.count == (samples.count - LogMel.window) / LogMel.hop + 1)
        let d = try #require(mel.descriptor(samples))
        #expect(d.count == 2 * LogMel.bands)
        let means = Array(d[0..<LogMel.bands])
        let peak = means.indices.max { means[$0] < means[$1] }!
        // The band whose triangle centre is nearest the tone (HTK mel, edges evenly spaced up to 8 kHz).
        let top = 2595 * log10(1 + 8000.0 / 700)
        let centres = (1...LogMel.bands).map { 700 * (pow(10, top * Double($0) / Double(LogMel.bands + 1) / 2595) - 1) }
        let expected = centres.indices.min { abs(centres[$0] - Double(hz)) < abs(centres[$1] - Double(hz)) }!
        #expect(abs(peak - expected) <= 1, "\(hz) Hz peaks in band \(peak), centre \(centres[peak]) Hz; expected ≈ \(expected)")
        // A pure tone: the peak band is far above the bands an octave away.
        #expect(means[peak] - means[max(0, peak - 12)] > 5)
    }

    @Test("real footage with sound (opencv-doc's Megamind.avi, AC-3): speech and music give finite, varying log-mel features")
    func realFootage() throws {
        let samples = try AudioClipReader.read(url: "/usr/share/doc/opencv-doc/examples/data/Megamind.avi",
                                               subject: "camera 'megamind'", seconds: 5)
        #expect(samples.count >= 4 * AudioClipReader.sampleRate, "\(samples.count) samples")
        let rms = (samples.reduce(0) { $0 + $1 * $1 } / Float(samples.count)).squareRoot()
        #expect(rms > 0.005 && rms < 1, "rms \(rms)")
        let mel = try LogMel()
        let frames = mel.frames(samples)
        let d = try #require(mel.descriptor(samples))
        #expect(d.count == 128 && d.allSatisfy(\.isFinite))
        // A soundtrack changes over time: every band's energy varies across frames (std > 0), unlike silence.
        #expect(d[LogMel.bands...].filter { $0 > 0.1 }.count >= LogMel.bands / 2)
        #expect(frames.count > 400)
    }

    @Test("footage without an audio stream is refused as unsupported, naming the camera")
    func noAudio() {
        #expect {
            _ = try AudioClipReader.read(url: Footage.video, subject: "camera 'street'", seconds: 1)
        } throws: { e in
            (e as? MediaError)?.code == .unsupported && "\(e)".contains("camera 'street'")
        }
    }

    @Test("a missing file fails fast with the reason")
    func missing() {
        #expect(throws: MediaError.self) {
            _ = try AudioClipReader.read(url: "/nonexistent/camsift.mp4", subject: "camera 'gone'", seconds: 1, timeout: 2)
        }
    }
}
