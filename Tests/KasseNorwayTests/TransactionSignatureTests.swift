import KasseCore
import KasseNorway
import Testing

/// The text a Norwegian till signs, and the signatures over it.
struct TransactionSignatureTests {
    /// Skatteetaten's format example.
    @Test func theTextIsTheFieldsJoinedBySemicolons() {
        let first = SignedTransaction(previousSignature: nil, date: CivilDate(year: 2014, month: 1, day: 24),
                                      time: LocalTime(hour: 23, minute: 59, second: 59), number: "123456789",
                                      amountIncludingVAT: 125_000, amountExcludingVAT: 100_000)
        #expect(first.text == "0;2014-01-24;23:59:59;123456789;1250.00;1000.00")
        var next = first
        next.previousSignature = "abc+/="
        next.time = LocalTime(hour: 9, minute: 5, second: 0)
        #expect(next.text == "abc+/=;2014-01-24;09:05:00;123456789;1250.00;1000.00")
        #expect(SignedTransaction.amount(-1640) == "-16.40")
        #expect(SignedTransaction.amount(-5) == "-0.05")
        #expect(SignedTransaction.amount(0) == "0.00")
        #expect(SignedTransaction.amount(100) == "1.00")
    }

    /// Skatteetaten's published HMAC-SHA1 example, through the same text builder.
    @Test func skatteetatensKnownAnswer() {
        let transaction = SignedTransaction(previousSignature: nil, date: CivilDate(year: 2016, month: 11, day: 24),
                                            time: LocalTime(hour: 10, minute: 39, second: 0), number: "2",
                                            amountIncludingVAT: 100, amountExcludingVAT: 96)
        #expect(transaction.text == "0;2016-11-24;10:39:00;2;1.00;0.96")
        #expect(HMACTransactionSignature.sign(transaction, key: Array("SkatteetatenSign".utf8)) == "iHh68DWCU3G42eL/7vOGUMSkvMM=")
    }

    /// RSA-SHA1 with a new 1024-bit key: 172 base64 characters, the same every time, valid for
    /// its own text only, and each link of a chain depends on the one before.
    @Test func rsaSignaturesChainAndVerify() throws {
        let pair = try TransactionSigner.generateKey()
        #expect(pair.privatePEM.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(pair.publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        let signer = try TransactionSigner(privateKeyPEM: pair.privatePEM, keyVersion: "1")
        let verifier = try SignatureVerifier(publicKeyPEM: pair.publicPEM)
        var previous: String?
        let day = CivilDate(year: 2020, month: 1, day: 1)
        for (number, amounts) in [("1000", (8640, 7512)), ("1001", (29_540, 23_632)), ("1003", (-1640, -1426))] {
            let transaction = SignedTransaction(previousSignature: previous, date: day, time: LocalTime(hour: 9, minute: 0, second: 0),
                                                number: number, amountIncludingVAT: amounts.0, amountExcludingVAT: amounts.1)
            let signature = try signer.sign(transaction)
            #expect(signature.count == 172)
            #expect(try signer.sign(transaction) == signature)
            #expect(verifier.isValid(signature, for: transaction))
            var changed = transaction
            changed.amountIncludingVAT += 1
            #expect(!verifier.isValid(signature, for: changed))
            var otherChain = transaction
            otherChain.previousSignature = "0"
            if previous != nil { #expect(!verifier.isValid(signature, for: otherChain)) }
            previous = signature
        }
        #expect(!verifier.isValid("not base64!", for: SignedTransaction(
            previousSignature: nil, date: day, time: LocalTime(hour: 0, minute: 0, second: 0), number: "1",
            amountIncludingVAT: 0, amountExcludingVAT: 0)))
    }

    @Test func badKeysAreRefusedWithoutShowingThem() throws {
        do {
            _ = try TransactionSigner(privateKeyPEM: "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n-----END RSA PRIVATE KEY-----\n", keyVersion: "1")
            Issue.record("garbage accepted")
        } catch {
            #expect(!error.description.contains("c2VjcmV0"))
        }
        #expect(throws: SigningKeyError.self) { try SignatureVerifier(publicKeyPEM: "nonsense") }
    }
}

struct OrganisationNumberTests {
    @Test func checkDigitsAreVerified() throws {
        #expect(try OrganisationNumber("999999999").digits == "999999999")
        #expect(try OrganisationNumber("974 760 673").description == "974 760 673")
        #expect(try OrganisationNumber("NO 974 760 673 MVA").digits == "974760673")
        #expect(try OrganisationNumber("123456785").digits == "123456785")
        #expect(throws: OrganisationNumber.Invalid.checkDigit("123456789")) { try OrganisationNumber("123456789") }
        #expect(throws: OrganisationNumber.Invalid.notNineDigits("12345678")) { try OrganisationNumber("12345678") }
        #expect(throws: OrganisationNumber.Invalid.notNineDigits("97476067x")) { try OrganisationNumber("97476067x") }
        // A remainder that asks for check digit 10 has no valid number.
        #expect(throws: OrganisationNumber.Invalid.self) { try OrganisationNumber("000000060") }
    }
}
