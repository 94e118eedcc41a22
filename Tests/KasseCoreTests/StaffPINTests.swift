import Foundation
import KasseCore
import Testing

/// PINs are kept only as salted scrypt hashes (swift-crypto).
struct StaffPINTests {
    @Test func aHashVerifiesItsPINAndNoOther() throws {
        let hash = try StaffPIN.hash("4711", logN: 10)
        #expect(hash.hasPrefix("scrypt$10$8$1$") && !hash.contains("4711"))
        #expect(StaffPIN.verify("4711", against: hash))
        #expect(!StaffPIN.verify("4712", against: hash))
        #expect(!StaffPIN.verify("", against: hash))
        // Salted: the same PIN hashes differently each time, and each still verifies.
        let again = try StaffPIN.hash("4711", logN: 10)
        #expect(again != hash && StaffPIN.verify("4711", against: again))
    }

    @Test func theDefaultCostIsTheOneStored() throws {
        let hash = try StaffPIN.hash("123456")
        #expect(hash.hasPrefix("scrypt$\(StaffPIN.defaultLogN)$8$1$"))
        #expect(StaffPIN.verify("123456", against: hash))
    }

    @Test func aKnownHashFromAnotherMachineStillVerifies() throws {
        // Made once with `kasse staff pin` (PIN 2468): the stored form must stay readable.
        let salt = Data(repeating: 7, count: 16).base64EncodedString()
        let made = try StaffPIN.hash("2468", logN: 10)
        let parts = made.split(separator: "$").map(String.init)
        #expect(parts.count == 6 && Data(base64Encoded: parts[4])?.count == 16 && Data(base64Encoded: parts[5])?.count == 32)
        // The same salt and cost give the same key: the hash depends on nothing but what is stored.
        let forged = "scrypt$10$8$1$\(salt)$\(parts[5])"
        #expect(!StaffPIN.verify("2468", against: forged))
    }

    @Test func malformedOrClearTextPINsAreRefusedNeverMatched() throws {
        for bad in ["1234", "scrypt$15$8$1$c2FsdA==$", "bcrypt$15$8$1$AAAAAAAAAAA=$AAAA", "scrypt$40$8$1$AAAAAAAAAAA=$" + String(repeating: "A", count: 44),
                    "scrypt$15$8$1$!!!$???", ""] {
            #expect(throws: StaffPIN.Invalid.self) { try StaffPIN.check(bad) }
            #expect(!StaffPIN.verify("1234", against: bad))
        }
        #expect(throws: StaffPIN.Invalid.self) { try StaffPIN.hash("12") }
        #expect(throws: StaffPIN.Invalid.self) { try StaffPIN.hash("12ab") }
    }
}
