import Foundation
@testable import IntegrationSupport
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KasseTill
import Testing

/// `kasse saft keygen` through the real binary, and the signatures checked with OpenSSL.
@Suite struct SigningKeyTests {
    @Test func keygenWritesAKeyOpenSSLAgreesWith() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-keygen-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let made = try await runProgram(KasseBinary.path, ["saft", "keygen", "--out", directory, "--key-version", "3"])
        #expect(made.status == 0, "\(made.errors)")
        let privatePath = directory + "/kasse-signing-key-v3.pem"
        let publicPath = directory + "/kasse-signing-key-v3.pub.pem"
        let privatePEM = try String(contentsOfFile: privatePath, encoding: .utf8)
        let mode = try FileManager.default.attributesOfItem(atPath: privatePath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(privatePEM.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        // The private key is never printed.
        let body = privatePEM.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!made.output.contains(body) && !made.errors.contains(body))
        let again = try await runProgram(KasseBinary.path, ["saft", "keygen", "--out", directory, "--key-version", "3"])
        #expect(again.status != 0 && again.errors.contains("never replaced"))
        #expect(try String(contentsOfFile: privatePath, encoding: .utf8) == privatePEM)

        let modulus = try await runProgram("/usr/bin/openssl", ["rsa", "-in", privatePath, "-noout", "-text"])
        #expect(modulus.output.contains("1024 bit") || modulus.errors.contains("1024 bit"), "\(modulus.output.prefix(200))")

        // A chain of a sale, another sale and a return: each signature verifies with OpenSSL
        // against the public key over the text rebuilt from the fields, and is the very
        // signature OpenSSL makes with the private key (PKCS#1 v1.5 is deterministic).
        let signer = try TransactionSigner(privateKeyPEM: privatePEM, keyVersion: "3")
        var previous: String?
        let day = CivilDate(year: 2026, month: 11, day: 30)
        for (index, amounts) in [(8640, 7512), (29_540, 23_632), (-1640, -1426)].enumerated() {
            let transaction = SignedTransaction(previousSignature: previous, date: day, time: LocalTime(hour: 10, minute: index, second: 30),
                                                number: "\(index + 1)", amountIncludingVAT: amounts.0, amountExcludingVAT: amounts.1)
            let signature = try signer.sign(transaction)
            let textPath = directory + "/t\(index).txt", signaturePath = directory + "/t\(index).sig"
            try Data(transaction.text.utf8).write(to: URL(fileURLWithPath: textPath))
            try #require(Data(base64Encoded: signature)).write(to: URL(fileURLWithPath: signaturePath))
            let verified = try await runProgram("/usr/bin/openssl", ["dgst", "-sha1", "-verify", publicPath, "-signature", signaturePath, textPath])
            #expect(verified.status == 0 && verified.output.contains("Verified OK"), "\(transaction.text): \(verified.output) \(verified.errors)")
            let opensslSigned = directory + "/t\(index).openssl.sig"
            let signed = try await runProgram("/usr/bin/openssl", ["dgst", "-sha1", "-sign", privatePath, "-out", opensslSigned, textPath])
            #expect(signed.status == 0, "\(signed.errors)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: opensslSigned)).base64EncodedString() == signature)
            previous = signature
        }
        // One changed amount no longer verifies.
        try Data("0;2026-11-30;10:00:30;1;86.41;75.12".utf8).write(to: URL(fileURLWithPath: directory + "/t0.txt"))
        let tampered = try await runProgram("/usr/bin/openssl", ["dgst", "-sha1", "-verify", publicPath, "-signature", directory + "/t0.sig", directory + "/t0.txt"])
        #expect(tampered.status != 0)
    }

    /// The till and `kasse return` write the same journal through their own connections; when
    /// both sign at once, each signature is made inside the write from the newest one stored:
    /// the numbers run 1, 2, 3, … without a gap or a repeat and the chain verifies.
    @Test func twoWritersSigningAtOnceNeverShareANumber() async throws {
        let path = JournalFixture.temporaryPath()
        let till = try Journal(path: path, till: "2", cashier: "1001")
        let desk = try Journal(path: path, till: "2", cashier: "1002", checkAnchor: false)
        let signer = try TransactionSigner(privateKeyPEM: try TransactionSigner.generateKey().privatePEM, keyVersion: "1")
        let chain = TransactionChain(signer: signer, register: "2", zone: .of(.norway), last: nil)
        let line = JournalLine(lineID: 1, sku: "1001", gtin: nil, name: "Lettmelk 1 l", unitPrice: 2490, vatRateBasisPoints: 1500,
                               weighed: false, quantity: 1, discount: 0, isReturn: false, total: 2490)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 1...40 {
                let journal = number % 2 == 0 ? till : desk
                group.addTask {
                    let sale = JournalSale(sale: number, receiptNumber: String(number), reference: "S-2-20261130-\(number)-1", currency: "NOK",
                                           total: 2490, captured: 2490, customer: "", lines: [line], vat: JournalSale.vat(of: [line]))
                    try await journal.append(signing: { last in
                        var next = chain.continuing(after: last)
                        return try next.sign([.saleCompleted(sale)], refunds: [], atUTC: 1_795_000_000 + Int64(number))
                    })
                }
            }
            try await group.waitForAll()
        }
        let signatures = try await till.signatures()
        #expect(signatures.map(\.number) == Array(1...40))
        #expect(Set(signatures.map(\.sale)).count == 40)
        #expect(TransactionChain.problems(signatures, verifier: try SignatureVerifier(publicKeyPEM: signer.publicKeyPEM)).isEmpty)
        if case .broken(let sequence, let reason) = try await till.verify() { Issue.record("chain broken at \(sequence): \(reason)") }
    }
}
