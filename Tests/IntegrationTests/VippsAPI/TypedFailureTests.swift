import KasseLanguage
import Foundation
@testable import IntegrationSupport
import Testing
import VippsClient
import VippsModels

/// The sale path decides what happened to money from types (status, error code, kind), never
/// by searching an error's text.
@Suite struct TypedFailureTests {
    static func answer(_ status: Int, code: Int?, detail: String, traceId: String) -> VippsError {
        var json = #"{"type":"about:blank","title":"T","status":\#(status),"detail":"\#(detail)","traceId":"\#(traceId)""#
        if let code { json += #","extraDetails":[{"name":"ErrorCode","reason":"\#(code)"}]"# }
        json += "}"
        return VippsError.from(status: status, body: Array(json.utf8), retryAfter: nil)
    }

    /// A server error whose trace id and detail are full of "404" and "5090" is a server error.
    @Test func textFullOf404IsNotNotFound() {
        let error = Self.answer(503, code: nil, detail: "reference SHOP-1-20260404-000404-1 ErrorCode 5090 HTTP 404",
                                traceId: "00-4045090404404-4040-00")
        #expect(error.failure == .unavailable(status: 503))
        #expect(error.failure.isTransient)
        #expect(error.retryAdvice.retriesSameRequest)
        let notFound = Self.answer(404, code: 5090, detail: "No payment", traceId: "00-ab-00")
        #expect(notFound.failure == .notFound)
        #expect(!notFound.isRetryable)
    }

    @Test func errorCodesDecideByName() {
        #expect(Self.answer(400, code: 6250, detail: "x", traceId: "t").failure == .busy(.cannotCancelProcessing))
        #expect(Self.answer(400, code: 6250, detail: "x", traceId: "t").retryAdvice == .later(
            "error 6250: the payment is busy; the same operation may succeed in a moment"))
        #expect(Self.answer(400, code: 6280, detail: "x", traceId: "t").failure == .busy(.captureFailedTryLater))
        if case .refused(let code, _, _) = Self.answer(400, code: 6050, detail: "x", traceId: "t").failure {
            #expect(code == .cannotCancelNonReserved)
        } else {
            Issue.record("6050 is a refusal")
        }
        #expect(Self.answer(403, code: nil, detail: "x", traceId: "t").failure == .unauthorized)
        #expect(Self.answer(429, code: nil, detail: "x", traceId: "t").failure == .unavailable(status: 429))
        let refused = Self.answer(400, code: 7010, detail: "User not found", traceId: "t").failure
        #expect(refused.message.description.hasPrefix("Vipps MobilePay could not send the payment to this customer"))
        #expect(!refused.isTransient)
        #expect(VippsError(kind: .outcomeUnknown, message: "x").failure == .noAnswer)
        var unreachable = VippsError(kind: .transport, message: "x")
        unreachable.couldNotConnect = true
        #expect(unreachable.failure == .unreachable)
    }

    @Test func idempotencyKeysHaveOneSchemeAndTheAPIsLimit() throws {
        #expect(IdempotencyKey(.create, reference: "SHOP-1-20261130-000001-1").value == "c-SHOP-1-20261130-000001-1")
        #expect(IdempotencyKey(.capture, reference: "R").value == "k-R")
        #expect(IdempotencyKey(.cancel(3), reference: "R").value == "x3-R")
        #expect(IdempotencyKey(.refund(12), reference: "R").value == "r12-R")
        #expect(IdempotencyKey(.recoveryCancel, reference: "R").value == "xr-R")
        // A long reference (the API allows 64 characters) still gives a key of at most 50, the
        // same every time, and different references give different keys.
        let long = String(repeating: "A", count: 60) + "-1"
        let key = IdempotencyKey(.refund(7), reference: long)
        #expect(key.value.count == 50 && key.value.hasPrefix("r7-"))
        #expect(key == IdempotencyKey(.refund(7), reference: long))
        #expect(key != IdempotencyKey(.refund(7), reference: String(repeating: "A", count: 60) + "-2"))
        #expect(throws: IdempotencyKey.Invalid.tooLong(51)) { try IdempotencyKey(validating: String(repeating: "k", count: 51)) }
        #expect(throws: IdempotencyKey.Invalid.empty) { try IdempotencyKey(validating: "") }
        #expect(throws: IdempotencyKey.Invalid.character(" ")) { try IdempotencyKey(validating: "a b") }
        #expect(try IdempotencyKey(validating: "capture-2_b").value == "capture-2_b")
    }

    /// No code on the sale path decides by searching an error message's text.
    @Test func noDecisionSearchesAnErrorMessage() throws {
        let folders = ["Sources/KasseTill", "Sources/KasseTillApp", "Sources/VippsClient", "Sources/KasseJournal"]
        // Any search of an error's text: its message, description, detail, reason, title, or
        // the error interpolated into a string.
        let onText = try Regex(#"(message|[dD]escription|detail|reason|title|error|\\\(error\)")\??\.(contains|range|firstRange)\("#)
        var offenders: [String] = []
        for folder in folders {
            let root = Repository.root.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: root.path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                    if code.contains(onText) { offenders.append("\(folder)/\(name):\(number + 1): \(line)") }
                }
            }
        }
        #expect(offenders.isEmpty, "\(offenders.joined(separator: "\n"))")
    }
}
