import CamsiftCore
import Serving
import Testing

/// The context modality of tags: sun elevation against known positions, the hashed bag of words, and a camera
/// without coordinates marked as such.
@Suite("camera context features")
struct ContextFeaturesTests {
    static func at(_ s: String) -> Double { Timestamp.parseRFC3339(s)! }

    @Test("sun elevation at known places and times (declination ±23.44° at the solstices)")
    func sunElevation() {
        // Greenwich, midsummer noon: 90 − 51.477 + 23.44 ≈ 61.96°; midnight: −(90 − 51.477 − 23.44) ≈ −15.1°.
        let greenwichNoon = ContextFeatures.sunElevation(latitude: 51.4769, longitude: 0, at: Self.at("2026-06-21T12:00:00Z"))
        #expect(abs(greenwichNoon - 61.96) < 0.15, "\(greenwichNoon)")
        let greenwichMidnight = ContextFeatures.sunElevation(latitude: 51.4769, longitude: 0, at: Self.at("2026-06-21T00:00:00Z"))
        #expect(abs(greenwichMidnight + 15.1) < 0.3, "\(greenwichMidnight)")
        // Sydney at 13:00 local (02:00 UTC) on the December solstice: 90 − |−33.87 + 23.44| ≈ 79.5°.
        let sydney = ContextFeatures.sunElevation(latitude: -33.87, longitude: 151.21, at: Self.at("2026-12-21T02:00:00Z"))
        #expect(abs(sydney - 79.5) < 0.4, "\(sydney)")
        // Equator at the March equinox, 12:00 UTC on the Greenwich meridian: within ~2.5° of the zenith.
        let equator = ContextFeatures.sunElevation(latitude: 0, longitude: 0, at: Self.at("2026-03-20T12:00:00Z"))
        #expect(equator > 87.5 && equator <= 90, "\(equator)")
    }

    @Test("day flag, solar hour and a camera without coordinates")
    func vector() {
        let street = Camera(id: "s", kind: .snapshot, url: "http://127.0.0.1/x.jpg", interval: 5,
                            location: .init(lat: 51.4769, lon: 0, name: "Greenwich Park"), tags: ["traffic", "city-centre"])
        let b = ContextFeatures.hashBuckets
        let noon = ContextFeatures.vector(camera: street, at: Self.at("2026-06-21T12:00:00Z"))
        let night = ContextFeatures.vector(camera: street, at: Self.at("2026-06-21T00:00:00Z"))
        #expect(noon.count == ContextFeatures.count)
        #expect(noon[b + 5] == 1 && night[b + 5] == 0 && noon[b + 6] == 1)
        #expect(abs(noon[b + 1] + 1) < 1e-3 && abs(night[b + 1] - 1) < 1e-3, "cos(hour): noon −1, midnight +1")
        // The words do not depend on time; the bag is unit length.
        #expect(Array(noon[0..<b]) == Array(night[0..<b]))
        #expect(abs(noon[0..<b].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        let nowhere = Camera(id: "n", kind: .snapshot, url: "http://127.0.0.1/y.jpg", interval: 5)
        let v = ContextFeatures.vector(camera: nowhere, at: Self.at("2026-06-21T12:00:00Z"))
        #expect(v[b + 4] == 0 && v[b + 5] == 0 && v[b + 6] == 0, "no coordinates: sun features missing, flagged")
        #expect(v[0..<b].allSatisfy { $0 == 0 }, "no words: empty bag")
    }

    @Test("tokens are case- and punctuation-insensitive; different words land apart")
    func words() {
        func bag(_ tags: [String]) -> [Float] {
            Array(ContextFeatures.vector(camera: Camera(id: "c", kind: .snapshot, url: "http://127.0.0.1/c.jpg", interval: 5,
                                                        tags: tags), at: 0)[0..<ContextFeatures.hashBuckets])
        }
        #expect(bag(["City-Centre", "TRAFFIC"]) == bag(["city centre", "traffic"]))
        #expect(bag(["beach"]) != bag(["motorway"]))
    }
}
