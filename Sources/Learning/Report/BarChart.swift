/// Grouped bar chart of per-class F1 by model, drawn into an RGB buffer for `PNGWriter`: one group per
/// class (left to right in class order), one bar per model in `palette` order, a grey gridline every 0.1
/// and a darker one at 0.5 and 1.0. Text is not drawn; report.md gives the class order and colour legend.
public struct BarChart: Sendable {
    public var values: [[Double]]  // [model][class], each in 0...1
    public var barWidth = 8
    public var gap = 10
    public var height = 240

    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75), (227, 119, 194),
    ]
    public static let paletteNames = ["blue", "orange", "green", "red", "purple", "brown", "pink"]

    public init(values: [[Double]]) { self.values = values }

    public func png() -> [UInt8] {
        let models = values.count
        let classes = values.first?.count ?? 0
        let margin = 10
        let width = margin * 2 + classes * (models * barWidth + gap)
        let h = height + margin * 2
        var px = [UInt8](repeating: 255, count: width * h * 3)
        func set(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8)) {
            guard x >= 0, x < width, y >= 0, y < h else { return }
            let o = (y * width + x) * 3
            px[o] = c.0; px[o + 1] = c.1; px[o + 2] = c.2
        }
        for g in 0...10 {
            let y = margin + height - g * height / 10
            let shade: UInt8 = g == 5 || g == 10 ? 150 : 220
            for x in 0..<width { set(x, y, (shade, shade, shade)) }
        }
        for c in 0..<classes {
            for m in 0..<models {
                let v = max(0, min(1, values[m][c]))
                let bh = Int((v * Double(height)).rounded())
                let x0 = margin + c * (models * barWidth + gap) + m * barWidth
                let colour = Self.palette[m % Self.palette.count]
                for x in x0..<(x0 + barWidth - 1) {
                    for y in (margin + height - bh)..<(margin + height) { set(x, y, colour) }
                }
            }
        }
        for x in 0..<width { set(x, margin + height, (0, 0, 0)) }
        return PNGWriter.encode(width: width, height: h, rgb: px)
    }
}
