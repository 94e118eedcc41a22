import AsyncHTTPClient
import Foundation
import NIOCore
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import KasseConfig
import KasseCore
import KasseDisplayLink
import KasseFiles
import KasseJournal
import KasseJournalSQLite
import KasseListener
import KasseStore
import KasseStoreLink
import KasseStoreServer
import KasseTill
import Logging
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
@testable import IntegrationSupport
#endif

/// The shop's network is hostile: what a device on it can try against a till, its customer
/// display and the store server, tried for real (sockets, processes, files).
@Suite(.serialized) struct ListenerLimitTests {
    static let logger = Logger(label: "test.security") { _ in SwiftLogNoOpLogHandler() }
    static let secret = "the-display-secret-0123456789"
    /// The display's limits (the establish deadline as in production: a display's proof must
    /// come back in time on a busy machine too).
    static let limits = ListenerLimits(maxConnections: 64, maxPendingPerPeer: 8, establishTimeout: .seconds(10),
                                       idleTimeout: .seconds(30), requestTimeout: .seconds(10), maxBodyBytes: 4096)

    /// 2,000 idle connections and 200 that send half a request head, from two other devices:
    /// a display with the secret still gets its view at once, every attacking connection is
    /// closed within the establish timeout (with room for a busy machine), and the listener
    /// holds only the display afterwards.
    @Test func aFloodOfIdleAndSlowConnectionsNeitherStopsTheDisplayLinkNorStays() async throws {
        let server = try await CustomerViewServer.start(host: "127.0.0.1", port: 0, secret: Self.secret, logger: Self.logger,
                                                        limits: Self.limits)
        // The flood waits up to four minutes for its connections to be closed: on a busy machine
        // the listener takes the last of 2,200 queued connections from the kernel late, and each
        // then has its establish timeout to run.
        let idle = try await Flood.open(2000, to: server.port, from: "127.0.0.2", seconds: 240)
        let slow = try await Flood.open(200, to: server.port, from: "127.0.0.3",
                             send: "GET /customer-view HTTP/1.1\r\nHost: till\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
                             seconds: 240)
        let view = CustomerView(shopName: "Butikken", language: "nb", currency: "NOK", lines: [], total: 4990,
                                phase: .approveInApp(amount: 4990, secondsLeft: 300))
        server.publish(view)
        let seen = Mutex<[CustomerView]>([])
        let display = Task {
            await CustomerViewClient(url: "ws://127.0.0.1:\(server.port)", secret: Self.secret, logger: Self.logger)
                .follow { v in seen.withLock { $0.append(v) } }
        }
        try await StoreServerFixture.eventually("the display has its view during the flood", within: 180) { seen.withLock { $0.contains(view) } }
        #expect(idle.opened > 0 && slow.opened > 0, "no connection could be opened: \(idle.opened), \(slow.opened)")
        let idleLeft = try await idle.waitUntilClosed(), slowLeft = try await slow.waitUntilClosed()
        #expect(idleLeft == 0 && slowLeft == 0,
                "left open: \(idleLeft) idle, \(slowLeft) slow (lost by the kernel: \(idle.lost), \(slow.lost)); the listener holds \(server.connections.open), dropped \(server.connections.dropped)")
        try await StoreServerFixture.eventually("only the display is left") { server.connections.open == (1, 1) }
        let dropped = server.connections.dropped
        #expect(dropped.refused + dropped.evicted > 2000 && dropped.timedOut >= 8, "\(dropped)")
        display.cancel()
        await display.value
        idle.close()
        slow.close()
        await server.stop()
    }

    /// A real till sells while its display port is flooded from another address: the sale is
    /// paid, journaled and anchored, and the flood is gone within the documented timeout.
    @Test func aRealTillSellsWhileItsDisplayPortIsFlooded() async throws {
        let sim = try await SimulatorHarness.start()
        let port = try PostgresCluster.freePort()
        let extra = "[display]\nlisten = \"127.0.0.1:\(port)\"\nsecret = \"\(Self.secret)\""
        let till = try await TillSession(simulator: sim, extraConfig: extra, environment: "KASSE_LISTENER_ESTABLISH_TIMEOUT=3")
        try await till.waitFor("Testbutikken")
        let idle = try await Flood.open(2000, to: port, from: "127.0.0.2")
        let slow = try await Flood.open(200, to: port, from: "127.0.0.3", send: "GET /customer-view HTTP/1.1\r\nHost: till\r\n")
        try await till.type("7040000000016")
        try await till.keys("Enter")
        let reference = try await till.payApprovedByTypedNumber(sim)
        #expect(idle.opened > 0 && slow.opened > 0, "no connection could be opened: \(idle.opened), \(slow.opened)")
        #expect(try await idle.waitUntilClosed() == 0)
        #expect(try await slow.waitUntilClosed() == 0)
        try await till.keys("Enter", "F10")
        try await till.waitFor("KASSE-EXITED-0")
        await till.close()
        let journalPath = till.directory + "/.local/share/kasse/demo-journal.sqlite"
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        #expect(try await journal.completedSale(receiptOrReference: reference) != nil)
        #expect(try await journal.anchorCheck() == .matches(sequence: try await journal.newestEntry().sequence))
        // Every file the till made is its user's alone.
        for file in [journalPath, journalPath + "-wal", JournalAnchor.path(forJournal: journalPath), till.directory + "/kasse.log"] {
            if let mode = fileMode(file) { #expect(mode == 0o600, "\(file) has mode \(String(mode, radix: 8))") }
        }
        #expect(fileMode(journalPath) != nil && fileMode(JournalAnchor.path(forJournal: journalPath)) != nil)
        idle.close()
        slow.close()
        try await sim.finish()
    }

    /// The store server under the same flood still takes another till's journal, and closes
    /// every attacking connection.
    @Test func theStoreServerServesItsTillsThroughAFlood() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let server = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: Self.logger,
                                                 limits: .storeServer())
        let idle = try await Flood.open(2000, to: server.port, from: "127.0.0.2")
        let slow = try await Flood.open(200, to: server.port, from: "127.0.0.3", send: "POST /till/journal HTTP/1.1\r\nHost: server\r\n")
        let journal = try await ReplicationFixture.journal(entries: 40)
        let head = try await StoreServerFixture.replicate(journal, to: server.baseURL)
        #expect(head.sequence == 40)
        #expect(idle.opened > 0 && slow.opened > 0, "no connection could be opened: \(idle.opened), \(slow.opened)")
        #expect(try await idle.waitUntilClosed() == 0)
        #expect(try await slow.waitUntilClosed() == 0)
        idle.close()
        slow.close()
        await server.stop()
    }

    /// A journal batch is bounded: more than 500 entries, or more than the byte limit, is
    /// refused without being read into memory.
    @Test func anOversizedJournalBatchIsRefused() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let server = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: Self.logger)
        let big = String(repeating: "x", count: JournalBatch.maxBytes + 1024)
        // Answered 413 and closed, or closed before the client finished sending: never read whole
        // (read whole, it would be answered 400, "not a journal batch").
        do {
            let (status, _) = try await Self.post(server.baseURL + "/till/journal", body: "{\"entries\":[],\"pad\":\"\(big)\"}",
                                                  token: StoreServerFixture.tokens["OSL1-1"]!)
            #expect(status == 413)
        } catch {
            #expect("\(error)".contains("closed") || "\(error)".contains("reset"), "\(error)")
        }
        await server.stop()
    }

    static func post(_ url: String, body: String, token: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }
}

/// The customer display and its till prove themselves to each other; neither learns anything
/// from an impostor that it could use, and the display draws only Vipps MobilePay's codes.
@Suite struct DisplayLinkTrustTests {
    static let logger = ListenerLimitTests.logger
    static let secret = ListenerLimitTests.secret

    /// A fake till answers the display: it is told only a random nonce (no secret, no
    /// bearer), the display never answers its made-up proof, and the code it sends is never
    /// shown.
    @Test func aFakeTillLearnsNothingAndCannotPutItsCodeOnTheDisplay() async throws {
        let requests = Mutex<[String]>([])
        let received = Mutex<[String]>([])
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/customer-view") { request, _ in
            requests.withLock { $0.append(request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")) }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, _ in
            let hello = DisplayHandshake.Hello(nonce: DisplayHandshake.nonce(), proof: String(repeating: "0", count: 64))
            try await outbound.write(.text(String(decoding: try JSONEncoder().encode(hello), as: UTF8.self)))
            let view = CustomerView(shopName: "Butikken", language: "nb", currency: "NOK", lines: [], total: 4990,
                                    phase: .scanOurCode(url: "https://attacker.example/pay-me", amount: 4990, secondsLeft: 300))
            let forged = try DisplayHandshake.Sealed(seq: 1, view: view, key: DisplayHandshake.key(secret: "a guess"))
            try await outbound.write(.text(String(decoding: try JSONEncoder().encode(forged), as: UTF8.self)))
            for try await message in inbound.messages(maxSize: 1 << 16) {
                if case .text(let text) = message { received.withLock { $0.append(text) } }
            }
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: Self.logger)
        let running = Task { try? await app.runService() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let shown = Mutex<[CustomerView]>([])
        let display = Task {
            await CustomerViewClient(url: "ws://127.0.0.1:\(port)", secret: Self.secret, logger: Self.logger)
                .follow { v in shown.withLock { $0.append(v) } }
        }
        try await StoreServerFixture.eventually("the display tried the fake till twice") { requests.withLock { $0.count >= 2 } }
        display.cancel()
        await display.value
        running.cancel()
        for request in requests.withLock({ $0 }) {
            #expect(!request.contains(Self.secret) && !request.lowercased().contains("authorization"), "\(request)")
            #expect(request.contains("Kasse-Display-Nonce"), "\(request)")
        }
        #expect(received.withLock { $0.isEmpty }, "the display answered a till that did not prove itself: \(received.withLock { $0 })")
        #expect(shown.withLock { $0.allSatisfy { $0.phase == .closed } }, "\(shown.withLock { $0 })")
    }

    /// A fake display gets the till's proof for its own nonce and nothing else: no view before
    /// it proves itself, and what it got does not prove anything for another connection (the
    /// display's proof has a label of its own).
    @Test func aFakeDisplayLearnsNothingItCouldReuse() async throws {
        let server = try await CustomerViewServer.start(host: "127.0.0.1", port: 0, secret: Self.secret, logger: Self.logger,
                                                        limits: ListenerLimitTests.limits)
        server.publish(CustomerView(shopName: "Butikken", language: "nb", currency: "NOK", lines: [], total: 4990,
                                    phase: .scanOurCode(url: "https://pay.vipps.no/abc", amount: 4990, secondsLeft: 300)))
        for answer in ["a wrong proof", nil] as [String?] {
            let nonce = DisplayHandshake.nonce()
            var headers = HTTPFields()
            headers[HTTPField.Name(DisplayHandshake.nonceHeader)!] = nonce
            let messages = Mutex<[String]>([])
            let began = ContinuousClock.now
            // The till closes the connection (cleanly, or with a reset when it closes with
            // unread bytes): either way, what matters is what the fake display was sent.
            _ = try? await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/customer-view",
                                                   configuration: .init(additionalHeaders: headers), logger: Self.logger) { inbound, outbound, _ in
                var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                if case .text(let text)? = try await iterator.next() { messages.withLock { $0.append(text) } }
                if let answer {
                    try await outbound.write(.text(String(decoding: try JSONEncoder().encode(DisplayHandshake.Answer(proof: answer)), as: UTF8.self)))
                }
                while let message = try await iterator.next() {
                    if case .text(let text) = message { messages.withLock { $0.append(text) } }
                }
            }
            let got = messages.withLock { $0 }
            #expect(got.count == 1, "a display that did not prove itself was sent \(got)")
            let first = try #require(got.first, "the till sent no challenge answer")
            let hello = try JSONDecoder().decode(DisplayHandshake.Hello.self, from: Data(first.utf8))
            #expect(!first.contains(Self.secret) && !first.contains("pay.vipps.no"))
            let key = DisplayHandshake.key(secret: Self.secret)
            #expect(hello.proof == DisplayHandshake.tillProof(key, display: nonce, till: hello.nonce))
            #expect(hello.proof != DisplayHandshake.displayProof(key, display: nonce, till: hello.nonce))
            if answer == nil {
                // Silent: closed by the establish deadline (10 s; a busy machine may take longer to
                // run the timer, never forever).
                #expect(server.connections.dropped.timedOut >= 1, "\(server.connections.dropped)")
                #expect(ContinuousClock.now - began < .seconds(180))
            }
        }
        #expect(server.displays == 0)
        await server.stop()
    }

    /// A view changed on the way, replayed, or sealed with another key is not opened.
    @Test func aSealedViewOpensOnlyUnchangedInOrderAndWithItsKey() throws {
        let key = DisplayHandshake.sessionKey(DisplayHandshake.key(secret: Self.secret), display: DisplayHandshake.nonce(), till: DisplayHandshake.nonce())
        let view = CustomerView(shopName: "Butikken", language: "nb", currency: "NOK", lines: [], total: 4990,
                                phase: .scanOurCode(url: "https://pay.vipps.no/abc", amount: 4990, secondsLeft: 300))
        let sealed = try DisplayHandshake.Sealed(seq: 5, view: view, key: key)
        #expect(sealed.open(key: key, after: 4) == view)
        #expect(sealed.open(key: key, after: 5) == nil, "replayed")
        var changed = sealed
        changed.view = changed.view.replacingOccurrences(of: "pay.vipps.no", with: "attacker.example")
        #expect(changed.open(key: key, after: 4) == nil, "changed on the way")
        let other = DisplayHandshake.sessionKey(DisplayHandshake.key(secret: Self.secret), display: DisplayHandshake.nonce(), till: DisplayHandshake.nonce())
        #expect(sealed.open(key: other, after: 4) == nil, "another connection's key")
    }
}

/// Secrets and records are born private.
@Suite struct PrivateFileTests {
    /// inotify watches the key's folder while `kasse saft keygen` runs ten times: no private
    /// key (nor its temporary file) is ever seen readable by anyone but its owner.
    @Test func keygenNeverLeavesAReadablePrivateKeyEvenForAMoment() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let watcher = try FolderWatcher(folder)
        for version in 1...10 {
            let made = try await KasseBinary.run(["saft", "keygen", "--out", folder, "--key-version", "\(version)"])
            #expect(made.status == 0, "\(made.errors)")
        }
        let seen = watcher.stop()
        #expect(seen.checked > 10, "inotify saw \(seen.checked) files")
        #expect(seen.readable.isEmpty, "readable by others while being made: \(seen.readable)")
        for version in 1...10 {
            #expect(fileMode(folder + "/kasse-signing-key-v\(version).pem") == 0o600)
            #expect(fileMode(folder + "/kasse-signing-key-v\(version).pub.pem") == 0o644)
        }
        let again = try await KasseBinary.run(["saft", "keygen", "--out", folder, "--key-version", "1"])
        #expect(again.status != 0 && again.errors.contains("never replaced"), "\(again.errors)")
    }

    /// A private key that others may read is refused, with the `chmod` that fixes it.
    @Test func aSigningKeyOthersCanReadIsRefusedWithTheChmodToRun() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(try await KasseBinary.run(["saft", "keygen", "--out", folder]).status == 0)
        let key = folder + "/kasse-signing-key-v1.pem"
        chmod(key, 0o644)
        let config = folder + "/kasse.toml"
        try PrivateFile.write(Data("""
            [till]
            market = "NO"
            signing_key = "\(key)"
            [journal]
            path = "\(folder)/journal.sqlite"
            """.utf8), to: config)
        let started = try await KasseBinary.run(["till", "--config", config], environment: ["HOME": folder])
        #expect(started.status != 0 && started.errors.contains("can be read by other users") && started.errors.contains("chmod 600 \(key)"),
                "\(started.errors)")
    }

    /// The journal, its -wal and -shm, and its anchor are the till's user's alone, whether the
    /// process sets a umask or not.
    @Test func theJournalAndItsAnchorAreBornPrivate() async throws {
        let path = JournalFixture.temporaryPath()
        let journal = try Journal(path: path, till: "1", cashier: "1")
        try await journal.append([.operatorAction("first")])
        for file in [path, path + "-wal", path + "-shm", JournalAnchor.path(forJournal: path)] {
            #expect(fileMode(file) == 0o600, "\(file): \(fileMode(file).map { String($0, radix: 8) } ?? "none")")
        }
        let folder = (JournalFixture.temporaryPath() as NSString).deletingLastPathComponent
        let made = try await KasseBinary.run(["journal", "init", "--journal", folder + "/new.sqlite"], environment: ["HOME": folder])
        #expect(made.status == 0, "\(made.errors)")
        #expect(fileMode(folder + "/new.sqlite") == 0o600 && fileMode(folder + "/new.sqlite.anchor") == 0o600)
    }

    /// A configuration file holding any secret, readable by others, gets the warning naming
    /// which secrets (never their values).
    @Test func aReadableConfigurationWithSecretsIsNamed() throws {
        let file = try ConfigReader.parse("""
            [server]
            url = "https://server.example"
            token = "a-till-token-0123456789"
            [display]
            secret = "the-display-secret-0123456789"
            [[staff]]
            id = "1"
            name = "A"
            role = "cashier"
            pin = "scrypt$x"
            """)
        let warning = try #require(file.permissionWarning(path: "/etc/kasse/kasse.toml", mode: 0o644))
        #expect(warning.contains("server.token") && warning.contains("display.secret") && warning.contains("[[staff]] pin"))
        #expect(!warning.contains("a-till-token") && !warning.contains("the-display-secret"))
        #expect(file.permissionWarning(path: "/etc/kasse/kasse.toml", mode: 0o600) == nil)
    }
}

/// Watches a folder with inotify on a thread of its own, checking each file named in an event.
final class FolderWatcher: @unchecked Sendable {
    private let descriptor: Int32
    final class Seen: Sendable {
        let lock = Mutex<(stop: Bool, checked: Int, readable: [String])>((false, 0, []))
        func withLock<T>(_ body: (inout (stop: Bool, checked: Int, readable: [String])) -> T) -> T { lock.withLock { body(&$0) } }
    }
    private let state = Seen()
    private let done = DispatchSemaphore(value: 0)

    init(_ folder: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0,
              inotify_add_watch(descriptor, folder, UInt32(IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO)) >= 0
        else { throw FloodError("inotify: \(String(cString: strerror(errno)))") }
        let descriptor = self.descriptor
        Thread.detachNewThread { [state, done] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while !state.withLock({ $0.stop }) {
                var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
                guard poll(&fds, 1, 20) > 0 else { continue }
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { continue }
                var offset = 0
                while offset + 16 <= count {
                    let length = Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8 | Int(buffer[offset + 14]) << 16 | Int(buffer[offset + 15]) << 24
                    let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    offset += 16 + length
                    guard !name.isEmpty, !name.contains(".pub.") else { continue }
                    let mode = fileMode(folder + "/" + name)
                    state.withLock { state in
                        state.checked += 1
                        if let mode, mode & 0o077 != 0 { state.readable.append("\(name) \(String(mode, radix: 8))") }
                    }
                }
            }
            done.signal()
        }
    }

    func stop() -> (checked: Int, readable: [String]) {
        state.withLock { $0.stop = true }
        done.wait()
        close(descriptor)
        return state.withLock { ($0.checked, $0.readable) }
    }
}

/// The `sale` and `reference` columns, which the till looks entries up by (the next sale
/// number, recovery, returns, `journal list`) but which the hash does not cover, are checked
/// against the entry's own hashed payload everywhere a journal is trusted.
@Suite(.serialized) struct JournalColumnTests {
    @Test(arguments: ["sale", "reference"])
    func aColumnChangedUnderTheTriggersIsFoundByVerifyTheServerAndRestore(column: String) async throws {
        let path = try await AnchorFixture.journal()
        let original = try await Journal(path: path, till: "1", cashier: "a", readOnly: true).entries()
        try JournalTampering.rewrite(path, rechain: false) { entries in
            let index = entries.firstIndex { $0.kind == "sale-completed" }!
            if column == "sale" { entries[index].sale = nil } else { entries[index].reference = "S-1-20261121-000009-1" }
        }
        let (status, text) = try await AnchorFixture.verify(path)
        #expect(status == 1 && text.contains("its sale or reference column differs"), "\(text)")
        let tampered = try await Journal(path: path, till: "1", cashier: "a", readOnly: true).entries()
        #expect(tampered.map(\.hash) == original.map(\.hash), "the hashes alone cannot see it")

        // The store server refuses the entry.
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let server = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: ListenerLimitTests.logger)
        let link = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"),
                             journal: nil, logger: ListenerLimitTests.logger, onEvent: { _ in })
        let fixed = tampered.map { entry -> JournalEntry in var entry = entry; entry.till = "1"; return entry }
        do {
            _ = try await StoreServerFixture.patiently { try await link.send(JournalBatch(entries: fixed)) }
            Issue.record("the server took an entry whose \(column) differs from its payload")
        } catch let refusal as StoreRefusal {
            #expect(refusal.error == "bad-columns", "\(refusal)")
        } catch {
            Issue.record("no answer from the server: \(error)")
        }
        await link.shutdown()
        await server.stop()

        // Restore refuses to write it back.
        let restored = try Journal(path: JournalFixture.temporaryPath(), till: "1", cashier: "a")
        await #expect(throws: JournalError.self) { try await restored.restore(tampered) }
        #expect(try await restored.entries().isEmpty)
    }
}

/// Log-in lock-out at the real till survives a restart: it is counted from the journal.
@Suite struct LockOutEndToEndTests {
    @Test func aTillRestartedAfterThreeWrongPINsIsStillLocked() async throws {
        let sim = try await SimulatorHarness.start()
        let till = try await TillSession(simulator: sim, logIn: nil)
        try await till.waitFor("PIN")
        try await till.type("1001")
        try await till.keys("Enter")
        for (guess, answer) in [("1111", "2 more tries"), ("2222", "1 more try"), ("3333", "locked for 30 s")] {
            try await till.type(guess)
            try await till.keys("Enter")
            try await till.waitFor(answer, timeout: .seconds(60))
        }
        try await till.kill()
        await till.close()
        // Three more wrong PINs meanwhile (`kasse report z --manager` at the back office): the
        // wait is now 8 minutes from the last, far beyond how long a restart takes on any machine.
        let journalPath = till.directory + "/.local/share/kasse/demo-journal.sqlite"
        let writer = try Journal(path: journalPath, till: "2", cashier: "")
        try await writer.append([.logInRefused(employee: "9001"), .logInRefused(employee: "9001"), .logInRefused(employee: "9001")])

        let again = try await TillSession(simulator: sim, reusing: till.directory, logIn: nil)
        try await again.waitFor("Try again in")
        try await again.type("1001")
        try await again.keys("Enter")
        try await again.type("1234")
        try await again.keys("Enter")
        let screen = try await again.waitFor("Try again in")
        #expect(!screen.contains("Logged in"), "\(screen)")
        try await again.kill()
        await again.close()
        let journal = try Journal(path: journalPath, till: "2", cashier: "t", readOnly: true)
        #expect(try await journal.entries(kinds: ["log-in-refused"]).count == 6)
        #expect(try await journal.entries(kinds: ["logged-in"]).isEmpty)
        try await sim.finish()
    }
}

/// The till–server link proves both ends: TLS with the server's certificate pinned at the
/// till, journal batches signed by each till's own key, catalogs signed by the server's.
@Suite(.serialized) struct StoreLinkTrustTests {
    static let logger = ListenerLimitTests.logger

    static func importCatalog(_ database: String, price: Int) async throws {
        let store = try StoreServerFixture.database(database)
        let csv = "sku,gtin,name,unit_price,vat_rate,unit,article_group\n1001,7040000000016,Lettmelk 1 l,\(price),15,PCS,04006\n"
        _ = try await store.client.withRunning { try await store.importCatalog(csv: csv, products: 1) }
    }

    /// With a till's token but not its key, nothing is stored: not unsigned, not signed with
    /// another till's key; and a batch signed by store A's till 1 is refused under store B's
    /// till 1 (same till number, another store).
    @Test func aStolenTokenAloneAddsNoEntryAndNoTillWritesAnothersSlot() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        var configuration = try StoreServerFixture.configuration(database: database)
        let bergen = LinkSigningKey.generate()
        configuration.tills = try StoreTills(configuration.tills.tills + [
            StoreTill(store: "BGO1", till: "1", tokenHash: StoreTills.tokenHash("token-of-bergen-till-one-0123"), publicKey: bergen.publicKey),
        ])
        let server = try await StoreServer.start(configuration, logger: Self.logger)
        let journal = try await ReplicationFixture.journal(entries: 5)
        let entries = try await journal.entries()
        func refused(_ link: StoreLinkConfiguration) async throws -> StoreRefusal? {
            let client = StoreLink(configuration: link, journal: nil, logger: Self.logger, onEvent: { _ in })
            do {
                _ = try await StoreServerFixture.patiently { try await client.send(JournalBatch(entries: entries)) }
                await client.shutdown()
                return nil
            } catch let refusal as StoreRefusal {
                await client.shutdown()
                return refusal
            } catch {
                await client.shutdown()
                throw error
            }
        }
        // The thief has OSL1-1's token: unsigned (a key of their own), or signed with OSL1-2's key.
        var stolen = LinkKeys.link(server.baseURL, till: "OSL1-1")
        stolen.signingKey = LinkSigningKey.generate()
        #expect(try await refused(stolen)?.error == "unsigned")
        stolen.signingKey = LinkKeys.tills["OSL1-2"]
        #expect(try await refused(stolen)?.error == "unsigned")
        // Bergen's till 1 signs for itself (BGO1-1): not accepted as Oslo's till 1, nor the reverse.
        var bergenLink = LinkKeys.link(server.baseURL, till: "OSL1-1")
        bergenLink.signingKey = bergen
        bergenLink.till = "BGO1-1"
        #expect(try await refused(bergenLink)?.error == "unsigned")
        var osloAsBergen = LinkKeys.link(server.baseURL, till: "OSL1-1", token: "token-of-bergen-till-one-0123")
        osloAsBergen.till = "OSL1-1"
        #expect(try await refused(osloAsBergen)?.error == "unsigned")
        // Nothing of it was stored; the real till's own batch is taken, and its wording blames no one.
        let reader = StoreLink(configuration: LinkKeys.link(server.baseURL), journal: nil, logger: Self.logger, onEvent: { _ in })
        let head = try? await StoreServerFixture.patiently { try await reader.serverHead() }
        await reader.shutdown()
        #expect(head?.sequence == 0)
        let real = StoreLink(configuration: LinkKeys.link(server.baseURL, till: "OSL1-1"), journal: nil, logger: Self.logger, onEvent: { _ in })
        let taken = try? await StoreServerFixture.patiently { try await real.send(JournalBatch(entries: entries)) }
        await real.shutdown()
        #expect(taken?.sequence == 5)
        await server.stop()
    }

    /// A catalog the server's key did not sign is refused by the till: from a server with
    /// another key (or none), as from a man in the middle.
    @Test func aForgedCatalogIsRefusedAndASignedOneTaken() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        let first = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: Self.logger)
        await first.stop()  // it made the tables
        try await Self.importCatalog(database, price: 2990)
        var forger = try StoreServerFixture.configuration(database: database)
        forger.catalogKey = LinkSigningKey.generate()
        let fake = try await StoreServer.start(forger, logger: Self.logger)
        let link = StoreLink(configuration: LinkKeys.link(fake.baseURL), journal: nil, logger: Self.logger, onEvent: { _ in })
        let forged = await #expect(throws: StoreRefusal.self) { try await StoreServerFixture.patiently { try await link.fetchCatalog() } }
        #expect(forged?.error == "unsigned-catalog")
        await link.shutdown()
        await fake.stop()
        var unsigned = try StoreServerFixture.configuration(database: database)
        unsigned.catalogKey = nil
        let bare = try await StoreServer.start(unsigned, logger: Self.logger)
        let bareLink = StoreLink(configuration: LinkKeys.link(bare.baseURL), journal: nil, logger: Self.logger, onEvent: { _ in })
        await #expect(throws: StoreRefusal.self) { try await StoreServerFixture.patiently { try await bareLink.fetchCatalog() } }
        await bareLink.shutdown()
        await bare.stop()

        let server = try await StoreServer.start(try StoreServerFixture.configuration(database: database), logger: Self.logger)
        let good = StoreLink(configuration: LinkKeys.link(server.baseURL), journal: nil, logger: Self.logger, onEvent: { _ in })
        let catalog = try? await StoreServerFixture.patiently { try await good.fetchCatalog() }
        await good.shutdown()
        #expect(catalog?.version == 1 && catalog?.csv.contains(",2990,") == true)
        await server.stop()
    }

    /// `https://` with the server's certificate pinned: the journal goes through; a till
    /// pinned to another CA, or speaking plain http to it, sends nothing.
    @Test func tlsWithAPinnedCertificateProvesTheServer() async throws {
        let cluster = try await PostgresCluster.shared.value
        let database = try await cluster.newDatabase()
        var configuration = try StoreServerFixture.configuration(database: database)
        configuration.tlsCertificatePath = TestCertificates.serverCertificate
        configuration.tlsKeyPath = TestCertificates.serverKey
        try configuration.loadFiles()
        let server = try await StoreServer.start(configuration, logger: Self.logger)
        let url = "https://127.0.0.1:\(server.port)"
        let journal = try await ReplicationFixture.journal(entries: 12)

        let pinned = try LinkKeys.link(url).pinning(caFile: TestCertificates.ca)
        let link = StoreLink(configuration: pinned, journal: journal, logger: Self.logger, onEvent: { _ in })
        let replicated = try? await StoreServerFixture.patiently { try await link.replicateOnce(journal) }
        await link.shutdown()
        #expect(replicated?.sequence == 12)

        let impostorCA = try LinkKeys.link(url).pinning(caFile: TestCertificates.otherCA)
        let wrong = StoreLink(configuration: impostorCA, journal: journal, logger: Self.logger, onEvent: { _ in })
        await #expect(throws: (any Error).self) { _ = try await wrong.serverHead() }
        await wrong.shutdown()
        let plain = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:\(server.port)"), journal: journal, logger: Self.logger, onEvent: { _ in })
        await #expect(throws: (any Error).self) { _ = try await plain.serverHead() }
        await plain.shutdown()

        // The event socket over wss:// too.
        let inbox = StoreServerFixture.Inbox()
        let events = StoreLink(configuration: pinned, journal: nil, logger: Self.logger, onEvent: { inbox.receive($0) })
        let running = Task { await events.run() }
        try await StoreServerFixture.eventually("connected over wss://") { events.isConnected }
        await StoreServerFixture.stop(running)
        await server.stop()
    }

    /// A link a caller drops on an error path, without `shutdown()`, lets its HTTP client go
    /// properly instead of crashing the process that held it.
    @Test func aLinkDroppedWithoutShutdownLetsItsClientGo() async throws {
        for _ in 0..<3 {
            let link = StoreLink(configuration: LinkKeys.link("http://127.0.0.1:9"), journal: nil, logger: Self.logger, onEvent: { _ in })
            _ = try? await link.serverHead()
        }
    }

    /// A server key others may read is refused, with the chmod; PostgreSQL TLS as the URL says.
    @Test func serverKeysArePrivateAndPostgreSQLTLSFollowsTheURL() throws {
        let readable = LinkKeys.folder + "/readable-catalog.key"
        try Data(LinkSigningKey.generate().fileText.utf8).write(to: URL(fileURLWithPath: readable))
        chmod(readable, 0o644)
        var configuration = try StoreServerFixture.configuration(database: "postgres://kasse@127.0.0.1:5432/kasse")
        configuration.catalogKeyPath = readable
        #expect(throws: StoreServerError.self) { try configuration.loadFiles() }
        do { try configuration.loadFiles() } catch { #expect(error.description.contains("chmod 600 \(readable)"), "\(error)") }
        #expect("\(try StoreServerConfiguration.database(url: "postgres://kasse@db:5432/kasse").tls)".contains("disable"))
        #expect("\(try StoreServerConfiguration.database(url: "postgres://kasse@db:5432/kasse?sslmode=require").tls)".contains("require"))
        #expect("\(try StoreServerConfiguration.database(url: "postgres://kasse@db:5432/kasse?sslmode=verify-full&sslrootcert=\(TestCertificates.ca)").tls)".contains("require"))
        #expect(throws: StoreServerError.self) { try StoreServerConfiguration.database(url: "postgres://kasse@db/kasse?sslmode=maybe") }
    }
}

/// Bad input met by the same probe, each with a clear word and nothing lost.
@Suite struct BadInputTests {
    /// `kasse catalog check` reads a name with invalid UTF-8 as the till does: repaired, not the
    /// whole file refused (it used to say it could not read the file at all).
    @Test func catalogCheckTreatsInvalidUTF8AsTheTillDoes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-utf8-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var bytes = Array("sku,gtin,name,unit_price,vat_rate,unit,article_group\n1001,7040000000016,Melk ".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(" 1 l,2490,1500,PCS,04006\n1002,7040000000023,Helmelk 1 l,2590,1500,PCS,04006\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/catalog.csv"))
        let checked = try await KasseBinary.run(["catalog", "check", "--file", folder + "/catalog.csv"])
        let text = checked.output + checked.errors
        #expect(!text.contains("cannot read the catalog"), "\(text)")
        // Both products are sold, the broken bytes of the name repaired (as the till reads them).
        #expect(checked.status == 0 && text.contains("2 products"), "\(text)")
    }

    /// `kasse staff pin --name` writes a name TOML reads back as it was, whatever it holds.
    @Test func staffPinEscapesTheNameForTOML() async throws {
        let name = "Ola \"Kjapp\" Nordmann \\ kasse\tnatt"
        let made = try await runProgram("/bin/sh", ["-c", "echo 1234 | \(KasseBinary.path) staff pin --id 42 --name '\(name.replacingOccurrences(of: "'", with: "'\\''"))'"])
        #expect(made.status == 0, "\(made.errors)")
        let file = try ConfigReader.parse(made.output)
        #expect(file.tables["staff"]?.first?.values["name"] == name, "\(made.output)")
        #expect(file.tables["staff"]?.first?.values["id"] == "42")
    }

    /// A journal file of 0 bytes (lost, or cut to nothing) is named plainly, with what to do.
    @Test func anEmptyJournalFileIsNamedPlainly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: folder + "/journal.sqlite", contents: Data()))
        let verified = try await KasseBinary.run(["journal", "verify", "--journal", folder + "/journal.sqlite"])
        #expect(verified.status != 0 && verified.errors.contains("is empty (0 bytes)") && verified.errors.contains("kasse journal init"),
                "\(verified.errors)")
    }
}
