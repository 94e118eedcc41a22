import KasseCore
import Testing

/// Norway's organisation numbers: nine digits, the last a mod-11 check digit.
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
