import CamsiftCore
import Foundation

/// The text/context modality of a camera frame for tags (issue 19; the multi-label multimodal framework of the
/// Chen/Shyu group fuses audio, visual and *text* features): what the registry says about the camera and when
/// the frame was taken.
///
/// - **Hashed bag of words** (`hashBuckets` dims): the camera's tags, location name and aggregator, lower-cased
///   and split on non-alphanumerics, each token hashed (FNV-1a 64) to a bucket with a ±1 sign from another hash
///   bit (the "hashing trick", Weinberger et al. 2009: no vocabulary to ship, collisions cancel in expectation),
///   then L2-normalised. The paper embeds text with GloVe; those weights are not available offline, so this is
///   the documented substitute.
/// - **Time**: hour of day (local solar time when the longitude is known, else UTC) and day of year, each as
///   (sin, cos) so 23:59 sits next to 00:00.
/// - **Sun**: elevation of the sun at the camera (NOAA's solar position equations, ±0.5° for 1950–2050) as
///   sin(elevation) and a day flag (elevation > −6°, civil twilight): night vs day is the most common camera tag.
///
/// A camera without coordinates has no sun features: they are 0 and `locationKnown` is 0 — the model sees the
/// modality as *missing* (an explicit indicator) rather than a camera at 0°N 0°E.
public struct ContextFeatures: Sendable {
    public static let hashBuckets = 32
    /// Bag of words, then hour (sin, cos), day of year (sin, cos), sin(sun elevation), day flag, location known.
    public static let count = hashBuckets + 7

    public static func vector(camera: Camera, at wall: Double) -> [Float] {
        var v = [Float](repeating: 0, count: count)
        var words: [String] = camera.tags
        if let n = camera.location?.name { words.append(n) }
        if let a = camera.aggregator { words.append(a) }
        for token in tokens(words) {
            let h = fnv1a(token)
            v[Int(h % UInt64(hashBuckets))] += (h >> 63) == 0 ? 1 : -1
        }
        let norm = v[0..<hashBuckets].reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for i in 0..<hashBuckets { v[i] /= norm } }
        let lat = camera.location?.lat, lon = camera.location?.lon
        let hours = (wall / 3600 + (lon ?? 0) / 15).truncatingRemainder(dividingBy: 24)
        let hour = hours < 0 ? hours + 24 : hours
        v[hashBuckets] = Float(sin(2 * .pi * hour / 24))
        v[hashBuckets + 1] = Float(cos(2 * .pi * hour / 24))
        let doy = dayOfYear(wall)
        v[hashBuckets + 2] = Float(sin(2 * .pi * doy / 365.25))
        v[hashBuckets + 3] = Float(cos(2 * .pi * doy / 365.25))
        if let lat, let lon {
            let e = sunElevation(latitude: lat, longitude: lon, at: wall)
            v[hashBuckets + 4] = Float(sin(e * .pi / 180))
            v[hashBuckets + 5] = e > -6 ? 1 : 0
            v[hashBuckets + 6] = 1
        }
        return v
    }

    /// Lower-cased alphanumeric runs of `words`.
    static func tokens(_ words: [String]) -> [String] {
        words.flatMap { w in
            w.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        }
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Day of the year (0-based, fractional) of a Unix time, UTC: time since 1 January of its year.
    static func dayOfYear(_ wall: Double) -> Double {
        let jan1 = Timestamp.parseRFC3339(Timestamp.rfc3339(wall).prefix(4) + "-01-01T00:00:00Z") ?? wall
        return (wall - jan1) / 86_400
    }

    /// Solar elevation in degrees (NOAA Global Monitoring Laboratory's spreadsheet equations: Julian century,
    /// geometric mean longitude and anomaly, equation of centre, apparent longitude, obliquity, declination,
    /// equation of time, hour angle; no refraction).
    public static func sunElevation(latitude: Double, longitude: Double, at wall: Double) -> Double {
        let rad = Double.pi / 180
        let jd = wall / 86_400 + 2_440_587.5
        let t = (jd - 2_451_545) / 36_525
        let l0 = (280.46646 + t * (36_000.76983 + t * 0.0003032)).truncatingRemainder(dividingBy: 360)
        let m = 357.52911 + t * (35_999.05029 - 0.0001537 * t)
        let e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
        let c = sin(m * rad) * (1.914602 - t * (0.004817 + 0.000014 * t)) + sin(2 * m * rad) * (0.019993 - 0.000101 * t)
            + sin(3 * m * rad) * 0.000289
        let trueLong = l0 + c
        let omega = 125.04 - 1934.136 * t
        let apparent = trueLong - 0.00569 - 0.00478 * sin(omega * rad)
        let obliquity0 = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
        let obliquity = obliquity0 + 0.00256 * cos(omega * rad)
        let declination = asin(sin(obliquity * rad) * sin(apparent * rad)) / rad
        let y = pow(tan(obliquity / 2 * rad), 2)
        let eqTime = 4 / rad * (y * sin(2 * l0 * rad) - 2 * e * sin(m * rad) + 4 * e * y * sin(m * rad) * cos(2 * l0 * rad)
            - 0.5 * y * y * sin(4 * l0 * rad) - 1.25 * e * e * sin(2 * m * rad))
        let minutes = (wall.truncatingRemainder(dividingBy: 86_400) + 86_400).truncatingRemainder(dividingBy: 86_400) / 60
        var trueSolar = (minutes + eqTime + 4 * longitude).truncatingRemainder(dividingBy: 1440)
        if trueSolar < 0 { trueSolar += 1440 }
        let hourAngle = trueSolar / 4 < 0 ? trueSolar / 4 + 180 : trueSolar / 4 - 180
        let cosZenith = sin(latitude * rad) * sin(declination * rad)
            + cos(latitude * rad) * cos(declination * rad) * cos(hourAngle * rad)
        return 90 - acos(max(-1, min(1, cosZenith))) / rad
    }
}
