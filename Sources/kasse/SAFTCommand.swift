import ArgumentParser
import Foundation
import KasseNorway

/// Norwegian cash-register law: the signing key (the export follows with the SAF-T work).
struct SAFTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saft",
        abstract: "Norway: the key that signs every transaction (SAF-T Cash Register).",
        subcommands: [Keygen.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a 1024-bit RSA signing key: the private key for the till (mode 600), the public key for the product declaration.")
        @Option(help: "The folder to write the two files to.") var out: String = "."
        @Option(help: "The key's version, written with every signature; a new key continues the chain under a new version.")
        var keyVersion: String = "1"

        func validate() throws {
            guard !keyVersion.isEmpty, keyVersion.count <= 50,
                  keyVersion.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
            else { throw ValidationError("--key-version: 1–50 letters, digits, '-', '_' or '.'") }
        }

        func run() async throws {
            let privatePath = out + "/kasse-signing-key-v\(keyVersion).pem"
            let publicPath = out + "/kasse-signing-key-v\(keyVersion).pub.pem"
            for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw CLIError("\(path) exists; a signing key is never replaced. Choose another --key-version or folder.")
            }
            let pair: (privatePEM: String, publicPEM: String)
            do {
                pair = try TransactionSigner.generateKey()
            } catch {
                throw CLIError("no key could be made: \(error)")
            }
            // The private key is created with mode 600 before a byte is written: it is never readable by others.
            guard FileManager.default.createFile(atPath: privatePath, contents: Data(pair.privatePEM.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CLIError("cannot write \(privatePath)") }
            guard FileManager.default.createFile(atPath: publicPath, contents: Data(pair.publicPEM.utf8), attributes: [.posixPermissions: 0o644])
            else { throw CLIError("cannot write \(publicPath)") }
            emit("Private key (for this till only; keep it secret): \(privatePath)")
            emit("Public key (hand in with the product declaration): \(publicPath)")
            emit("Key version: \(keyVersion)")
        }
    }
}
