import Foundation
import KasseDisplayLink
import KasseTerminal
import KasseTill
import Logging
import Synchronization

/// `kasse display`: the customer-facing screen. It follows one till's customer view and draws
/// it full screen; without its till it shows "closed" and keeps trying. F10 ends it.
public enum DisplayLauncher {
    public struct Settings: Sendable {
        /// The till's display address (`ws://HOST:PORT`).
        public var till: String
        public var secret: String
        public var logPath: String

        public init(till: String, secret: String, logPath: String) {
            self.till = till
            self.secret = secret
            self.logPath = logPath
        }
    }

    /// Whether the till's address is this machine's.
    static func isLoopback(_ address: String) -> Bool {
        guard let host = URLComponents(string: address)?.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    public static func run(_ settings: Settings) async {
        let logger = Logger(label: "kasse.display", factory: FileLogHandler.factory(path: settings.logPath))
        logger.info("customer display for \(settings.till)")
        let terminal = CursesTerminal()
        terminal.start()
        let latest = Mutex(CustomerView.closed())
        terminal.present(CustomerScreen.render(latest.withLock { $0 }, size: terminal.size))
        // Its terminal gone (SIGHUP) or told to stop (SIGTERM, SIGINT): the screen is given back and it ends.
        var signalSources: [any DispatchSourceSignal] = []
        for number in [SIGHUP, SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { terminal.stop() }
            source.resume()
            signalSources.append(source)
        }
        defer { for source in signalSources { source.cancel() } }
        let client = CustomerViewClient(url: settings.till, secret: settings.secret, logger: logger)
        let loopback = Self.isLoopback(settings.till)
        let following = Task {
            await client.follow { view in
                // The closed screen keeps the shop's name and language from the last view.
                let shown = latest.withLock { last -> CustomerView in
                    // Only Vipps MobilePay's own addresses are drawn as a code to pay with
                    // (and this machine's, for a display beside its till).
                    var view = view.restrictingCodes(loopback: loopback)
                    if view.phase == .closed, view.shopName.isEmpty {
                        view.shopName = last.shopName
                        view.language = last.language
                    }
                    last = view
                    return view
                }
                terminal.present(CustomerScreen.render(shown, size: terminal.size))
            }
        }
        for await event in terminal.events {
            switch event {
            case .key(.function(10)), .key(.character("\u{03}")):
                following.cancel()
            case .resized(let size):
                terminal.present(CustomerScreen.render(latest.withLock { $0 }, size: size))
            case .key:
                break
            }
            if following.isCancelled { break }
        }
        following.cancel()
        await following.value
        terminal.stop()
    }
}
