import Testing
import VippsModels
import VippsWebhooks

struct WebhookSignatureTests {
    /// The published test vector (webhooks request-authentication guide).
    @Test func publishedTestVectorMatches() {
        let secret = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A=="
        let body = Array(#"{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}"#.utf8)
        let date = "Thu, 30 Mar 2023 08:38:32 GMT"
        let (hash, authorization) = WebhookSignature.authorization(
            secret: secret, pathAndQuery: "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63", date: date, host: "webhook.site", body: body)
        #expect(hash == "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=")
        #expect(
            authorization
                == "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=")
    }

    @Test func base64MatchesTheStandardEncoding() {
        #expect(Base64.encode([]) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode([0xFF, 0xFE, 0xFD, 0x00]) == "//79AA==")
    }

    @Test func constantTimeComparison() {
        #expect(WebhookSignature.constantTimeEquals("abc", "abc"))
        #expect(!WebhookSignature.constantTimeEquals("abc", "abd"))
        #expect(!WebhookSignature.constantTimeEquals("abc", "abcd"))
        #expect(!WebhookSignature.constantTimeEquals("", "a"))
    }
}
