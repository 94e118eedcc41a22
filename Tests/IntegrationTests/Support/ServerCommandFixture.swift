import Foundation
import KasseJournal
import KasseJournalSQLite
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseCore
import Synchronization
import KasseTesting
import Testing

enum ServerCommandFixture {
    static func write(_ text: String, name: String = "server.toml") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-server-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func config(database: String, port: Int, secret: String = "the-webhook-secret-0123456789") -> String {
        """
        [server]
        listen = "127.0.0.1:\(port)"
        database = "\(database)"
        public_url = "http://127.0.0.1:\(port)/vipps/webhooks"
        webhook_secret = "\(secret)"
        catalog_key = "\(LinkKeys.catalogPath)"

        [[till]]
        store = "OSL1"
        till = "1"
        token_sha256 = "\(StoreTills.tokenHash(StoreServerFixture.tokens["OSL1-1"]!))"
        public_key = "\(LinkKeys.tills["OSL1-1"]!.publicKey)"

        [[till]]
        store = "OSL1"
        till = "2"
        token_sha256 = "\(StoreTills.tokenHash(StoreServerFixture.tokens["OSL1-2"]!))"
        public_key = "\(LinkKeys.tills["OSL1-2"]!.publicKey)"
        """
    }
}
