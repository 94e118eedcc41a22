import KasseLanguage
import VippsModels

/// What the till does when a capture of an authorized payment fails: one decision for the
/// payment on screen and for one the customer has left with (or a restart interrupted).
///
/// - 6280 "capture failed, please try again later": the same capture (same key) again after a
///   pause that doubles from 2 s up to 5 minutes, for as long as Vipps MobilePay guarantees
///   the capture (`captureGuaranteedUntil`); once that is over, given up.
/// - 6260 "funds unavailable": given up at once.
/// - Anything else (no answer, a refusal that may mean the payment moved on): read the
///   payment back and decide from what it says, as before.
public enum CaptureRetry {
    public enum Decision: Sendable, Equatable {
        /// Capture again, the `tries`-th failure in a row, after `after`.
        case again(tries: Int, after: Duration)
        /// Vipps MobilePay will not take the money: release the reservation and tell a person.
        case giveUp(reason: String)
        /// Read the payment back and decide from it.
        case check
    }

    /// The pause after the n-th failure in a row: 2, 4, 8, … seconds, at most 5 minutes.
    public static func delay(afterTries tries: Int) -> Duration {
        .seconds(min(300, 1 << min(max(tries, 1), 9)))
    }

    /// `tries`: failures in a row so far; `guaranteeEnds`: when the capture guarantee ends, if known.
    public static func decide(_ failure: VippsFailure, tries: Int, guaranteeEnds: ContinuousClock.Instant?,
                              now: ContinuousClock.Instant) -> Decision {
        switch failure {
        case .refused(code: .fundsUnavailable?, _, _):
            return .giveUp(reason: "funds unavailable (error 6260)")
        case .busy(.captureFailedTryLater):
            if let ends = guaranteeEnds, now >= ends {
                return .giveUp(reason: "capture failed, try again later (error 6280), until the capture guarantee ran out")
            }
            var pause = delay(afterTries: tries + 1)
            // The last try comes when the guarantee ends, not after it.
            if let ends = guaranteeEnds, ends - now < pause { pause = max(ends - now, .seconds(1)) }
            return .again(tries: tries + 1, after: pause)
        default:
            return .check
        }
    }
}
