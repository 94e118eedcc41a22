/// The company that runs the shop, as receipts, reports and the SAF-T export name it.
public struct CompanyIdentity: Sendable, Hashable {
    public var name: String
    /// Nine digits in Norway (checked with their check digit when the configuration is read).
    public var organisationNumber: String
    public var address: String
    public var postalCode: String
    public var city: String
    /// Registered for VAT (receipts then show the number with `MVA`).
    public var vatRegistered: Bool

    public init(name: String, organisationNumber: String, address: String, postalCode: String, city: String, vatRegistered: Bool) {
        self.name = name
        self.organisationNumber = organisationNumber
        self.address = address
        self.postalCode = postalCode
        self.city = city
        self.vatRegistered = vatRegistered
    }

    /// DEMO's company (the organisation number of Skatteetaten's own examples).
    public static let demo = CompanyIdentity(
        name: "Kasse Demo AS", organisationNumber: "999999999", address: "Demoveien 1", postalCode: "0150", city: "Oslo", vatRegistered: true)
}
