import Foundation
import KasseCore
import KasseStore
import PostgresNIO
import KasseJournal

extension StoreServerConfiguration {
    /// `kasse server`'s file (TOML, read by `KasseConfig`):
    ///
    /// ```toml
    /// [server]
    /// listen = "0.0.0.0:8790"
    /// database = "postgres://kasse@127.0.0.1:5432/kasse"   # password: KASSE_DATABASE_PASSWORD
    /// public_url = "https://kasse.example.no/vipps/webhooks"  # as registered at Vipps MobilePay
    /// webhook_secret = "…"                                  # or KASSE_WEBHOOK_SECRET
    /// catalog_key = "/etc/kasse/catalog.key"                # made by: kasse server keygen
    /// tls_certificate = "/etc/kasse/server.pem"             # https:// for the tills (both, or neither)
    /// tls_key = "/etc/kasse/server.key"
    ///
    /// [[till]]
    /// store = "OSL1"
    /// till = "1"
    /// token_sha256 = "…"                                    # made by: kasse server token
    /// public_key = "…"                                      # the till's: kasse server keygen at the till
    ///
    /// [company]                                             # for the SAF-T export (Norway)
    /// organisation_number = "999999999"
    /// name = "Butikken AS"
    /// address = "Storgata 1"
    /// postal_code = "0155"
    /// city = "Oslo"
    /// ```
    /// Every mistake names its line and key; secrets never appear in a message.
    public static func load(file: ConfigFile, environment: [String: String]) throws(StoreServerError) -> StoreServerConfiguration {
        let values = file.values
        func invalid(_ key: String, _ message: String) -> StoreServerError { .configuration("\(file.location(key)): \(message)") }
        let known = ["server.listen", "server.database", "server.public_url", "server.webhook_secret", "server.catalog_key",
                     "server.tls_certificate", "server.tls_key"]
            + ["organisation_number", "name", "address", "postal_code", "city", "vat_registered"].map { "company.\($0)" }
            + ["url", "client_id", "client_secret", "subscription_key", "msn", "system_name", "system_version", "plugin_name",
               "plugin_version"].map { "api.\($0)" }
            + ["settlement.at", "settlement.market"]
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw invalid(unknown, "is not a setting of kasse server (it knows \(known.joined(separator: ", ")) and [[till]] tables)")
        }
        let company: CompanyIdentity?
        do {
            company = try CompanyIdentity.configured(in: file, norwegian: true)
        } catch {
            throw .configuration(error.description)
        }
        let listen = values["server.listen"] ?? "127.0.0.1:8790"
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port),
              colon > listen.startIndex
        else { throw invalid("server.listen", "must be HOST:PORT (0.0.0.0:8790), not '\(listen)'") }
        let host = String(listen[..<colon]).trimmingCharacters(in: ["[", "]"])
        guard let url = environment["KASSE_DATABASE_URL"] ?? values["server.database"] else {
            throw invalid("server.database", "is missing: database = \"postgres://USER@HOST:5432/DATABASE\"")
        }
        let database: PostgresClient.Configuration
        do {
            database = try Self.database(url: url, password: environment["KASSE_DATABASE_PASSWORD"])
        } catch {
            throw invalid("server.database", error.description)
        }
        guard let publicURL = values["server.public_url"] else {
            throw invalid("server.public_url", "is missing: the webhook URL as registered at Vipps MobilePay (https://…/vipps/webhooks)")
        }
        guard publicURL.hasPrefix("https://") || publicURL.hasPrefix("http://"), publicURL.split(separator: "/").count >= 2 else {
            throw invalid("server.public_url", "must be the https:// URL registered at Vipps MobilePay, not '\(publicURL)'")
        }
        guard let secret = environment["KASSE_WEBHOOK_SECRET"] ?? values["server.webhook_secret"], !secret.isEmpty else {
            throw invalid("server.webhook_secret", "is missing: the secret Vipps MobilePay gave when the webhook was registered (or KASSE_WEBHOOK_SECRET)")
        }
        var tills: [StoreTill] = []
        var tillSalesUnits: [String: String] = [:]
        for (index, table) in (file.tables["till"] ?? []).enumerated() {
            func at(_ key: String) -> String { table.location("till", key, index: index) }
            guard let store = table["store"], !store.isEmpty else { throw .configuration("\(at("store")): each [[till]] needs store = \"…\" (its till.store_id)") }
            guard let till = table["till"], !till.isEmpty else { throw .configuration("\(at("till")): each [[till]] needs till = \"…\" (its till.till_id)") }
            guard let hash = table["token_sha256"] else {
                throw .configuration("\(at("token_sha256")): till \(store)/\(till) needs token_sha256 = \"…\"; make a token with: kasse server token")
            }
            if let other = table.values.keys.sorted().first(where: { !["store", "till", "token_sha256", "public_key", "msn"].contains($0) }) {
                throw .configuration("\(at(other)): [[till]] knows store, till, token_sha256, public_key and msn")
            }
            if let msn = table["msn"] { tillSalesUnits[PaymentReference.tillPrefix(store: store, till: till)] = msn }
            guard let keyText = table["public_key"] else {
                throw .configuration("\(at("public_key")): till \(store)/\(till) needs public_key = \"…\", the public part of the key it signs its journal with (made by: kasse server keygen --out FILE, at the till)")
            }
            let publicKey: LinkPublicKey
            do {
                publicKey = try LinkPublicKey(base64: keyText)
            } catch {
                throw .configuration("\(at("public_key")): \(error.description)")
            }
            tills.append(StoreTill(store: store, till: till, tokenHash: hash, publicKey: publicKey))
        }
        guard !tills.isEmpty else { throw .configuration("no [[till]] tables: list each till with store, till and token_sha256") }
        let list: StoreTills
        do {
            list = try StoreTills(tills)
        } catch {
            throw .configuration("[[till]]: \(error.description)")
        }
        guard let catalogKey = values["server.catalog_key"] else {
            throw invalid("server.catalog_key", "is missing: the key the server signs catalogs with (made by: kasse server keygen --out /etc/kasse/catalog.key; each till names its public part as catalog_public_key)")
        }
        switch (values["server.tls_certificate"], values["server.tls_key"]) {
        case (.some, nil): throw invalid("server.tls_certificate", "is set, but tls_key is not: both, or neither")
        case (nil, .some): throw invalid("server.tls_key", "is set, but tls_certificate is not: both, or neither")
        default: break
        }
        var configuration = StoreServerConfiguration(host: host, port: port, database: database, publicURL: publicURL,
                                                     webhookSecret: secret, tills: list)
        configuration.company = company
        configuration.catalogKeyPath = catalogKey
        configuration.tlsCertificatePath = values["server.tls_certificate"]
        configuration.tlsKeyPath = values["server.tls_key"]
        // Settlement needs the API keys ([api], as at a till); each till's sales unit is its own msn or [api] msn.
        let defaultMSN = environment["KASSE_MSN"] ?? values["api.msn"]
        if defaultMSN != nil || !tillSalesUnits.isEmpty || values["settlement.at"] != nil {
            let atText = values["settlement.at"] ?? "05:00"
            let parts = atText.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let hour = parts[0], let minute = parts[1], (0..<24).contains(hour), (0..<60).contains(minute) else {
                throw invalid("settlement.at", "must be the local time of the nightly run, HH:MM (05:00), not '\(atText)'")
            }
            let marketCode = values["settlement.market"] ?? "NO"
            guard let market = Market(code: marketCode) else { throw invalid("settlement.market", "must be NO, DK or FI, not '\(marketCode)'") }
            var units: [String: String] = [:]
            for till in list.tills {
                guard let msn = tillSalesUnits[till.key] ?? defaultMSN else {
                    throw .configuration("[[till]] \(till.key): settlement needs its sales unit: msn = \"…\" in [[till]] or in [api]")
                }
                units[till.key] = msn
            }
            configuration.settlement = SettlementSettings(at: LocalTime(hour: hour, minute: minute, second: 0), market: market, salesUnits: units)
        }
        return configuration
    }
}
