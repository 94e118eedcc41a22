import KasseCore
import KasseLanguage
import KasseNorway
import KasseTill
import VippsModels
import Testing
import KasseJournal

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

/// A register's chain: each committed sale and return is numbered and signed over the one before.
struct TransactionChainTests {
    static let line = JournalLine(lineID: 1, sku: "1001", gtin: nil, name: "Lettmelk", unitPrice: 2490, vatRateBasisPoints: 1500,
                                  weighed: false, quantity: 2, discount: 0, isReturn: false, total: 4980)

    static func sale(_ number: Int) -> JournalSale {
        JournalSale(sale: number, receiptNumber: "00000\(number)", reference: "S-1-20261130-00000\(number)-1", currency: "NOK",
                    total: 4980, captured: 4980, customer: "x", lines: [line], vat: JournalSale.vat(of: [line]))
    }

    @Test func salesAndReturnsAreSignedInOrderAndTheChainChecks() throws {
        let pair = try TransactionSigner.generateKey()
        var chain = TransactionChain(signer: try TransactionSigner(privateKeyPEM: pair.privatePEM, keyVersion: "7"), register: "1",
                                     zone: .of(.norway), last: nil)
        // 2026-11-30 09:30:00 UTC is 10:30:00 in Oslo.
        let moment: Int64 = 1_796_031_000
        let first = try chain.sign([.lineAdded(sale: 1, line: Self.line), .saleCompleted(Self.sale(1))], refunds: [], atUTC: moment)
        #expect(first.count == 3)
        guard case .transactionSigned(let one) = first[2] else { Issue.record("no signature after the sale"); return }
        #expect(one.number == 1 && one.transaction == "sale" && one.amountIncludingVAT == 4980 && one.amountExcludingVAT == 4980 - 650)
        #expect(one.date == "2026-11-30" && one.time == "10:30:00" && one.keyVersion == "7" && one.register == "1")
        // Nothing to sign: nothing added, and the chain stays where it is.
        #expect(try chain.sign([.operatorAction("x")], refunds: [], atUTC: moment) == [.operatorAction("x")])
        let refund = JournalRefund(sale: 1, reference: Self.sale(1).reference, returnNumber: 1, amount: 2490, currency: "NOK",
                                   key: IdempotencyKey(.refund(1), reference: Self.sale(1).reference),
                                   lines: [JournalLine(lineID: 1, sku: "1001", gtin: nil, name: "Lettmelk", unitPrice: 2490, vatRateBasisPoints: 1500,
                                                       weighed: false, quantity: 1, discount: 0, isReturn: false, total: 2490)])
        let second = try chain.sign([.refunded(sale: 1, reference: refund.reference, returnNumber: 1, amount: 2490), .saleCompleted(Self.sale(2))],
                                    refunds: [refund], atUTC: moment + 60)
        let signatures = (first + second).compactMap { event -> JournalSignature? in
            if case .transactionSigned(let signed) = event { signed } else { nil }
        }
        #expect(signatures.map(\.number) == [1, 2, 3])
        #expect(signatures[1].transaction == "return" && signatures[1].amountIncludingVAT == -2490 && signatures[1].amountExcludingVAT == -(2490 - 325))
        let verifier = try SignatureVerifier(publicKeyPEM: pair.publicPEM)
        #expect(TransactionChain.problems(signatures, verifier: verifier).isEmpty)
        // A changed amount, a lost transaction, a foreign key: each is named.
        var changed = signatures
        changed[0].amountIncludingVAT = 980
        #expect(TransactionChain.problems(changed, verifier: verifier) == ["register 1: the signature of transaction 1 does not verify"])
        #expect(TransactionChain.problems([signatures[0], signatures[2]], verifier: verifier).contains("register 1: transaction 3 follows 1"))
        let other = try SignatureVerifier(publicKeyPEM: try TransactionSigner.generateKey().publicPEM)
        #expect(TransactionChain.problems(signatures, verifier: other).count == 3)
    }
}
