import Foundation
import Testing
import VippsModels

struct InternetTimeTests {
    @Test func writesTheKnownExamples() {
        // The webhook test vector's date, 2023-03-30T08:38:32Z.
        #expect(InternetTime.httpDate(1_680_165_512) == "Thu, 30 Mar 2023 08:38:32 GMT")
        #expect(InternetTime.rfc3339(1_680_165_512.25) == "2023-03-30T08:38:32.250Z")
        #expect(InternetTime.rfc3339(0) == "1970-01-01T00:00:00.000Z")
        #expect(InternetTime.rfc3339(951_782_400) == "2000-02-29T00:00:00.000Z")
        #expect(InternetTime.rfc3339(-1) == "1969-12-31T23:59:59.000Z")
    }

    /// Foundation's calendar formatters are the reference, over random instants in 1900–2200.
    @Test func agreesWithFoundationOverRandomInstants() {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let http = DateFormatter()
        http.locale = Locale(identifier: "en_US_POSIX")
        http.timeZone = TimeZone(identifier: "GMT")
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let seconds = Double(Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator))
                + Double(Int.random(in: 0..<1000, using: &generator)) / 1000
            let date = Date(timeIntervalSince1970: seconds)
            #expect(InternetTime.rfc3339(seconds) == iso.string(from: date))
            #expect(InternetTime.httpDate(seconds) == http.string(from: date))
            #expect(InternetTime.parseHTTPDate(http.string(from: date)) == seconds.rounded(.down))
            let parsed = InternetTime.parseRFC3339(iso.string(from: date))
            #expect(parsed.map { abs($0 - seconds) < 0.0005 } == true)
        }
    }

    @Test func readsOffsetsAndFractions() {
        #expect(InternetTime.parseRFC3339("2023-03-30T10:38:32+02:00") == 1_680_165_512)
        #expect(InternetTime.parseRFC3339("2023-03-30T08:38:32Z") == 1_680_165_512)
        #expect(InternetTime.parseRFC3339("2023-03-30T08:38:32.5Z") == 1_680_165_512.5)
        #expect(InternetTime.parseRFC3339("2023-03-30T05:38:32-03:00") == 1_680_165_512)
    }

    @Test func rejectsWhatIsNotATimestamp() {
        for text in ["", "2023-03-30", "2023-02-30T08:38:32Z", "2023-13-01T00:00:00Z", "2023-03-30T24:00:00Z",
                     "2023-03-30T08:38:32", "2023-03-30T08:38:32.Z", "2023-03-30T08:38:32Zjunk", "2023-03-30T08:38:32+2:00"] {
            #expect(InternetTime.parseRFC3339(text) == nil, "\(text)")
        }
        for text in ["", "Fri, 30 Mar 2023 08:38:32 GMT", "Thu, 30 Mar 2023 08:38:32 UTC", "Thu, 31 Feb 2023 08:38:32 GMT",
                     "Thu, 30 Foo 2023 08:38:32 GMT", "Thu,30 Mar 2023 08:38:32 GMT"] {
            #expect(InternetTime.parseHTTPDate(text) == nil, "\(text)")
        }
    }
}
