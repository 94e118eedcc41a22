/// The two timestamp formats the Vipps MobilePay APIs use, written and read without a
/// calendar library (no locale, no time-zone database, no ICU):
///
/// - RFC 3339 in UTC, `2023-03-30T08:38:32.123Z`, in payloads (`createdAt`, event timestamps);
/// - the HTTP date, `Thu, 30 Mar 2023 08:38:32 GMT`, in the webhook `x-ms-date` header.
///
/// Times are seconds since 1970-01-01T00:00:00Z.
public enum InternetTime {
    /// `2023-03-30T08:38:32.123Z` (to the nearest millisecond, always UTC).
    public static func rfc3339(_ secondsSince1970: Double) -> String {
        let millis = Int64((secondsSince1970 * 1000).rounded())
        let (seconds, milli) = floorDivide(millis, 1000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(Int(secondOfDay / 3600), 2) + ":" + pad(Int(secondOfDay / 60 % 60), 2) + ":"
            + pad(Int(secondOfDay % 60), 2) + "." + pad(Int(milli), 3) + "Z"
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `nil` for anything else.
    public static func parseRFC3339(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116 || b[10] == 32,
              b[13] == 58, b[16] == 58,
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if b[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                fraction += Double(b[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case 90, 122:
            index += 1
        case 43, 45:
            guard index + 6 == b.count, b[index + 3] == 58,
                  let hours = digits(b, index + 1, 2), let minutes = digits(b, index + 4, 2), hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (b[index] == 45 ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        let days = days(fromCivil: year, month, day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Double(seconds) + fraction
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Thu, 30 Mar 2023 08:38:32 GMT` (whole seconds).
    public static func httpDate(_ secondsSince1970: Double) -> String {
        let (days, secondOfDay) = floorDivide(Int64(secondsSince1970.rounded(.down)), 86_400)
        let (year, month, day) = civil(fromDays: days)
        let weekday = weekdays[Int(floorDivide(days, 7).1)]
        return weekday + ", " + pad(day, 2) + " " + months[month - 1] + " " + pad(year, 4) + " "
            + pad(Int(secondOfDay / 3600), 2) + ":" + pad(Int(secondOfDay / 60 % 60), 2) + ":"
            + pad(Int(secondOfDay % 60), 2) + " GMT"
    }

    /// Reads the HTTP date written by `httpDate`; the weekday must match the date.
    public static func parseHTTPDate(_ text: String) -> Double? {
        let b = Array(text.utf8)
        guard b.count == 29, b[3] == 44, b[4] == 32, b[7] == 32, b[11] == 32, b[16] == 32, b[19] == 58, b[22] == 58,
              b[25] == 32, String(decoding: b[26...], as: UTF8.self) == "GMT",
              let day = digits(b, 5, 2), let year = digits(b, 12, 4),
              let monthIndex = months.firstIndex(of: String(decoding: b[8..<11], as: UTF8.self)),
              let hour = digits(b, 17, 2), let minute = digits(b, 20, 2), let second = digits(b, 23, 2),
              day >= 1, day <= daysIn(month: monthIndex + 1, year: year), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = days(fromCivil: year, monthIndex + 1, day)
        guard weekdays[Int(floorDivide(days, 7).1)] == String(decoding: b[0..<3], as: UTF8.self) else { return nil }
        return Double(days * 86_400 + Int64(hour * 3600 + minute * 60 + second))
    }

    /// Year, month and day of a day number (days since 1970-01-01), proleptic Gregorian.
    /// Howard Hinnant's `civil_from_days`.
    public static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    /// The day number of a civil date; the inverse of `civil(fromDays:)`.
    public static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days in a month of the proleptic Gregorian calendar.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
