/// Turns byte offsets from `JSONParser` into the 1-based line and column an editor shows.
///
/// Positions are computed only when a message needs one, so parsing 10,000 files pays nothing for them.
enum JSONText {
    /// Column counts Unicode scalars (not bytes), so a line with "é" still points at the right character.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var k = 0
        let end = min(offset, bytes.count)
        while k < end {
            let b = bytes[k]
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            k += 1
        }
        return (line, column)
    }
}
