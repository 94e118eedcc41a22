extension QRCode {
    /// The code as terminal text, two module rows to a line with half blocks (▀ ▄ █), so each
    /// module is about square in a terminal's tall cells. The light modules and the quiet zone
    /// are drawn (in the terminal's text colour) and the dark ones left as the background, so
    /// the code reads dark-on-light on a dark terminal, as a phone's camera expects.
    /// `quietZone`: light modules around it (the standard asks for 4; 2 reads on a screen).
    public func halfBlockLines(quietZone: Int = 2) -> [String] {
        let span = size + 2 * quietZone
        func light(_ row: Int, _ column: Int) -> Bool {
            let r = row - quietZone, c = column - quietZone
            guard (0..<size).contains(r), (0..<size).contains(c) else { return true }
            return !isDark(row: r, column: c)
        }
        var lines: [String] = []
        for top in stride(from: 0, to: span, by: 2) {
            var line = ""
            for column in 0..<span {
                let upper = light(top, column)
                let lower = top + 1 < span ? light(top + 1, column) : false
                switch (upper, lower) {
                case (true, true): line.append("█")
                case (true, false): line.append("▀")
                case (false, true): line.append("▄")
                case (false, false): line.append(" ")
                }
            }
            lines.append(line)
        }
        return lines
    }

    /// Columns and lines `halfBlockLines(quietZone:)` takes.
    public func halfBlockSize(quietZone: Int = 2) -> (columns: Int, lines: Int) {
        let span = size + 2 * quietZone
        return (span, (span + 1) / 2)
    }
}
