import VippsModels

/// A local time of day, as a Norwegian till's transactions carry it (`HH:MM:SS`, 24 hours,
/// the shop's local time).
public struct LocalTime: Sendable, Hashable, Comparable {
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(hour: Int, minute: Int, second: Int) {
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool {
        (lhs.hour, lhs.minute, lhs.second) < (rhs.hour, rhs.minute, rhs.second)
    }

    /// `09:05:00`
    public var text: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(hour)):\(two(minute)):\(two(second))"
    }
}

/// The shop's local time as a POSIX time-zone rule (`CET-1CEST,M3.5.0,M10.5.0/3`), the form
/// that ends every zoneinfo file. Pure: the business day is computed from UTC seconds and the
/// rule, so it needs no time-zone database at run time, and the machine's own zone (often UTC
/// on a till PC) does not decide what "today" is for the shop.
public struct ShopTimeZone: Sendable, Hashable, CustomStringConvertible {
    /// As written: a zone name or a rule.
    public let name: String
    let standardOffset: Int
    let daylight: (offset: Int, start: Transition, end: Transition)?

    /// A change to or from summer time: month, week (5 = last), weekday (0 = Sunday), local
    /// seconds after midnight.
    struct Transition: Sendable, Hashable {
        var month: Int
        var week: Int
        var weekday: Int
        var time: Int
    }

    public static func == (lhs: ShopTimeZone, rhs: ShopTimeZone) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    public var description: String { name }

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case rule(String)
        case unknownZone(String)
        public var description: String {
            switch self {
            case .unknownZone(let name):
                "time zone '\(name)' is not known on this machine: write a zone name like Europe/Oslo, or a POSIX rule like CET-1CEST,M3.5.0,M10.5.0/3"
            case .rule(let text):
                "'\(text)' is not a time zone: write a zone name like Europe/Oslo, or a POSIX rule like CET-1CEST,M3.5.0,M10.5.0/3"
            }
        }
    }

    /// The zone of each market (the EU's summer time rules, which these three follow).
    public static func of(_ market: Market) -> ShopTimeZone {
        switch market {
        case .norway: try! ShopTimeZone(rule: "CET-1CEST,M3.5.0,M10.5.0/3", name: "Europe/Oslo")
        case .denmark: try! ShopTimeZone(rule: "CET-1CEST,M3.5.0,M10.5.0/3", name: "Europe/Copenhagen")
        case .finland: try! ShopTimeZone(rule: "EET-2EEST,M3.5.0/3,M10.5.0/4", name: "Europe/Helsinki")
        }
    }

    public static let utc = try! ShopTimeZone(rule: "UTC0")

    /// From a POSIX rule: `STDoffset[DST[offset][,start[/time],end[/time]]]`, with `Mm.w.d` dates.
    public init(rule: String, name: String? = nil) throws(Invalid) {
        self.name = name ?? rule
        var scanner = RuleScanner(Array(rule.utf8))
        guard scanner.zoneName(), let standard = scanner.offset() else { throw .rule(rule) }
        standardOffset = -standard
        if scanner.atEnd {
            daylight = nil
            return
        }
        guard scanner.zoneName() else { throw .rule(rule) }
        var summer = standardOffset + 3600
        if let explicit = scanner.offset() { summer = -explicit }
        guard scanner.take(UInt8(ascii: ",")), let start = scanner.transition(), scanner.take(UInt8(ascii: ",")),
              let end = scanner.transition(), scanner.atEnd
        else { throw .rule(rule) }
        daylight = (summer, start, end)
    }

    /// A named zone from its zoneinfo file (TZif version 2 or later), by the rule in its footer.
    public init(name: String, tzif: [UInt8]) throws(Invalid) {
        guard tzif.count > 6, tzif.starts(with: Array("TZif".utf8)), tzif.last == UInt8(ascii: "\n") else { throw .rule(name) }
        let body = tzif.dropLast()
        guard let newline = body.lastIndex(of: UInt8(ascii: "\n")) else { throw .rule(name) }
        let footer = String(decoding: body[(newline + 1)...], as: UTF8.self)
        guard !footer.isEmpty else { throw .rule(name) }
        try self.init(rule: footer, name: name)
    }

    /// Seconds east of UTC at a moment.
    public func offset(atUTC seconds: Int64) -> Int {
        guard let daylight else { return standardOffset }
        let year = InternetTime.civil(fromDays: floorDiv(seconds + Int64(standardOffset), 86_400)).year
        // Transition times are local: the start in standard time, the end in summer time.
        let start = Self.instant(daylight.start, year: year) - Int64(standardOffset)
        let end = Self.instant(daylight.end, year: year) - Int64(daylight.offset)
        let inSummer = start < end ? (seconds >= start && seconds < end) : (seconds >= start || seconds < end)
        return inSummer ? daylight.offset : standardOffset
    }

    /// The shop's calendar day and clock time at a moment.
    public func localTime(atUTC seconds: Int64) -> (date: CivilDate, time: LocalTime) {
        let local = seconds + Int64(offset(atUTC: seconds))
        let days = floorDiv(local, 86_400)
        let civil = InternetTime.civil(fromDays: days)
        let second = Int(local - days * 86_400)
        return (CivilDate(year: civil.year, month: civil.month, day: civil.day),
                LocalTime(hour: second / 3600, minute: second / 60 % 60, second: second % 60))
    }

    /// The shop's calendar day at a moment.
    public func date(atUTC seconds: Int64) -> CivilDate {
        localTime(atUTC: seconds).date
    }

    /// Seconds since 1970 (as if UTC) of a transition's local time in a year.
    static func instant(_ transition: Transition, year: Int) -> Int64 {
        let first = InternetTime.days(fromCivil: year, transition.month, 1)
        // 1970-01-01 was a Thursday (4).
        let firstWeekday = Int(((first % 7) + 11) % 7)
        var day = 1 + (transition.weekday - firstWeekday + 7) % 7 + (transition.week - 1) * 7
        let length = InternetTime.daysIn(month: transition.month, year: year)
        while day > length { day -= 7 }
        return (InternetTime.days(fromCivil: year, transition.month, day)) * 86_400 + Int64(transition.time)
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// Reads a POSIX TZ rule.
struct RuleScanner {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// `CET`, or `<+03>` in angle brackets: at least three characters.
    mutating func zoneName() -> Bool {
        if take(UInt8(ascii: "<")) {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") { index += 1 }
            guard index - start >= 3, take(UInt8(ascii: ">")) else { return false }
            return true
        }
        let start = index
        while index < bytes.count, (bytes[index] | 0x20) >= UInt8(ascii: "a"), (bytes[index] | 0x20) <= UInt8(ascii: "z") { index += 1 }
        return index - start >= 3
    }

    mutating func number(maximum: Int) -> Int? {
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), index - start < 3 {
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > start && value <= maximum ? value : nil
    }

    /// `[+-]hh[:mm[:ss]]` in seconds (POSIX: positive is west of Greenwich).
    mutating func offset() -> Int? {
        var sign = 1
        if take(UInt8(ascii: "-")) { sign = -1 } else { _ = take(UInt8(ascii: "+")) }
        guard let time = time(maximumHours: 24) else { return nil }
        return sign * time
    }

    mutating func time(maximumHours: Int) -> Int? {
        guard let hours = number(maximum: maximumHours) else { return nil }
        var seconds = hours * 3600
        if take(UInt8(ascii: ":")) {
            guard let minutes = number(maximum: 59) else { return nil }
            seconds += minutes * 60
            if take(UInt8(ascii: ":")) {
                guard let secs = number(maximum: 59) else { return nil }
                seconds += secs
            }
        }
        return seconds
    }

    /// `Mm.w.d[/time]`.
    mutating func transition() -> ShopTimeZone.Transition? {
        guard take(UInt8(ascii: "M")), let month = number(maximum: 12), month >= 1, take(UInt8(ascii: ".")),
              let week = number(maximum: 5), week >= 1, take(UInt8(ascii: ".")), let weekday = number(maximum: 6)
        else { return nil }
        var at = 7200
        if take(UInt8(ascii: "/")) {
            guard let given = time(maximumHours: 167) else { return nil }
            at = given
        }
        return ShopTimeZone.Transition(month: month, week: week, weekday: weekday, time: at)
    }
}
