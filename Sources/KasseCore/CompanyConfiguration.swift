
extension CompanyIdentity {
    /// A configuration's `[company]` table (the till's and the store server's): every field or
    /// none (nil); in Norway an organisation number with a valid check digit. A mistake is
    /// reported with its line and key.
    public static func configured(in file: ConfigFile, norwegian: Bool) throws(CompanyConfigurationError) -> CompanyIdentity? {
        let values = file.values
        let keys = ["organisation_number", "name", "address", "postal_code", "city"]
        let given = keys.filter { values["company.\($0)"] != nil }
        guard !given.isEmpty else { return nil }
        let missing = keys.filter { values["company.\($0)"]?.isEmpty ?? true }
        guard missing.isEmpty else {
            throw CompanyConfigurationError(
                description: "\(file.location("company.\(given[0])")): [company] also needs \(missing.map { "\($0) = \"…\"" }.joined(separator: ", "))")
        }
        var number = values["company.organisation_number"] ?? ""
        if norwegian {
            do {
                number = try OrganisationNumber(number).digits
            } catch {
                throw CompanyConfigurationError(description: "\(file.location("company.organisation_number")): \(error.description)")
            }
        }
        let vatRegistered: Bool
        do {
            vatRegistered = try file.flag("company.vat_registered", default: true)
        } catch {
            throw CompanyConfigurationError(description: error.description)
        }
        return CompanyIdentity(
            name: values["company.name"] ?? "", organisationNumber: number, address: values["company.address"] ?? "",
            postalCode: values["company.postal_code"] ?? "", city: values["company.city"] ?? "", vatRegistered: vatRegistered)
    }
}

public struct CompanyConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
}
