import Foundation
import KasseCore
import KasseFiles
import KasseStore
import KasseStoreLink
import KasseJournal

/// The link keys the store server tests use: one per till, and the server's catalog key, made
/// once per test process and written to files where a configuration names them.
enum LinkKeys {
    static let tills: [String: LinkSigningKey] = [
        "OSL1-1": .generate(), "OSL1-2": .generate(), "TEST1-2": .generate(),
    ]
    static let catalog = LinkSigningKey.generate()

    /// A folder holding `catalog.key` and one `TILL.key` per till (mode 600).
    static let folder: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-link-keys-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try! PrivateFile.write(Data(catalog.fileText.utf8), to: folder + "/catalog.key")
        for (till, key) in tills { try! PrivateFile.write(Data(key.fileText.utf8), to: folder + "/\(till).key") }
        return folder
    }()

    static func path(till: String) -> String { folder + "/\(till).key" }
    static var catalogPath: String { folder + "/catalog.key" }

    /// A till's `[server]` section for the store server at `url`.
    static func tillServerSection(url: String, token: String, till: String) -> String {
        """
        [server]
        url = "\(url)"
        token = "\(token)"
        key = "\(path(till: till))"
        catalog_public_key = "\(catalog.publicKey)"
        """
    }

    /// The link of till `till` (`OSL1-1`) with its own key, the catalog key and `token`.
    static func link(_ url: String, till: String = "OSL1-1", token: String? = nil) -> StoreLinkConfiguration {
        let parts = till.split(separator: "-").map(String.init)
        return StoreLinkConfiguration(url: url, token: token ?? StoreServerFixture.tokens[till] ?? "", till: PaymentReference.tillPrefix(store: parts[0], till: parts[1]),
                                      signingKey: tills[till], catalogKey: catalog.publicKey)
    }
}

/// A CA of the tests' own and a server certificate it signed for 127.0.0.1, made with openssl
/// once per test process; and another CA that signed nothing of the server's.
enum TestCertificates {
    static let folder: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-tls-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(folder)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 30 -subj '/CN=Kasse Test CA' 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key -out other-ca.pem -days 30 -subj '/CN=Someone Else' 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile ext.cnf 2>/dev/null
            chmod 600 server.key ca.key other.key
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try! process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "openssl could not make the test certificates")
        return folder
    }()

    static var ca: String { folder + "/ca.pem" }
    static var otherCA: String { folder + "/other-ca.pem" }
    static var serverCertificate: String { folder + "/server.pem" }
    static var serverKey: String { folder + "/server.key" }
}
