import Foundation
import Testing
import VippsWebhooks

/// A webhook request's verification, against the test vector Vipps MobilePay publishes.
@Suite struct WebhookVerifierTests {
    let secret = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
    let url = "https://webhook.site/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63"
    let body = Array(#"{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}"#.utf8)
    let headers = [
        "X-Ms-Date": "Thu, 30 Mar 2023 08:38:32 GMT",
        "x-ms-content-sha256": "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=",
        "authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=",
    ]
    /// Two minutes after the vector was signed.
    let now = Date(timeIntervalSince1970: 1_680_165_512 + 120)

    var verifier: WebhookVerifier { WebhookVerifier(secret: secret, registeredURL: url, now: { [now] in now }) }

    @Test func thePublishedTestVectorVerifies() {
        #expect(throws: Never.self) { try verifier.verify(method: "POST", headers: headers, body: body) }
    }

    @Test func anyChangeIsRejected() {
        var tamperedBody = body
        tamperedBody[5] ^= 1
        #expect(throws: WebhookVerifier.Failure.contentHashMismatch) { try verifier.verify(method: "POST", headers: headers, body: tamperedBody) }
        let otherSecret = WebhookVerifier(secret: secret + "x", registeredURL: url, now: { [now] in now })
        #expect(throws: WebhookVerifier.Failure.signatureMismatch) { try otherSecret.verify(method: "POST", headers: headers, body: body) }
        let otherURL = WebhookVerifier(secret: secret, registeredURL: url + "?x=1", now: { [now] in now })
        #expect(throws: WebhookVerifier.Failure.signatureMismatch) { try otherURL.verify(method: "POST", headers: headers, body: body) }
        var otherDate = headers
        otherDate["X-Ms-Date"] = "Thu, 30 Mar 2023 08:38:33 GMT"
        #expect(throws: WebhookVerifier.Failure.signatureMismatch) { try verifier.verify(method: "POST", headers: otherDate, body: body) }
        var noAuthorization = headers
        noAuthorization["authorization"] = nil
        #expect(throws: WebhookVerifier.Failure.missingHeader("Authorization")) { try verifier.verify(method: "POST", headers: noAuthorization, body: body) }
        var basic = headers
        basic["authorization"] = "Basic abc"
        #expect(throws: WebhookVerifier.Failure.malformedAuthorization) { try verifier.verify(method: "POST", headers: basic, body: body) }
        #expect(throws: WebhookVerifier.Failure.notPOST) { try verifier.verify(method: "GET", headers: headers, body: body) }
    }

    @Test func oldOrFutureDatesAreRejected() {
        let late = WebhookVerifier(secret: secret, registeredURL: url, now: { [now] in now.addingTimeInterval(200) })
        #expect(throws: WebhookVerifier.Failure.stale(seconds: 320)) { try late.verify(method: "POST", headers: headers, body: body) }
        let early = WebhookVerifier(secret: secret, registeredURL: url, now: { [now] in now.addingTimeInterval(-500) })
        #expect(throws: WebhookVerifier.Failure.stale(seconds: 380)) { try early.verify(method: "POST", headers: headers, body: body) }
    }
}
