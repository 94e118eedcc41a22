import Foundation
import KasseCore
import KasseJournal
import KasseJournalSQLite
import KasseNorway
import KassePrinting
import KasseScanning
import KasseStore
import KasseStoreLink
import KasseTerminal
import KasseTill
import KasseUSB
import Logging
import ServiceLifecycle
import UnixSignals
import VippsClient

/// Everything a running till is made of, decided before it starts. The real till fills it from
/// its configuration (`TillLauncher`); the tests fill it with a scripted terminal, a journal of
/// their own and a manual clock. Both get the till from `assemble()`, the one builder.
public struct TillParts: Sendable {
    public var till: Till
    public var state: TillState
    public var client: VippsClient
    /// Training mode's payments (the embedded simulator); nil: a training sale is refused.
    public var trainingClient: VippsClient?
    public var terminal: any TillTerminal
    public var scanners: USBScannerService?
    public var roles: [(ScannerMatch, ScannerRole)] = []
    public var journal: any TillJournal
    /// Norway: the register's signer.
    public var chain: TransactionChain?
    public var printer: PrinterSettings?
    public var logo: Bitmap?
    public var printRetryInterval: Duration = .seconds(3)
    /// The store server: its link, copying `journal` (the till's, on disk) to it and bringing
    /// its events; and where its catalogs are kept (nil: catalogs from the server are not
    /// followed, as when `--catalog` names one).
    public var storeLink: (configuration: StoreLinkConfiguration, journal: Journal)?
    public var serverCatalog: ServerCatalogCopy?
    /// Where the customer's view goes (the customer displays).
    public var customerView: (@Sendable (CustomerView) -> Void)?
    public var pollTiming = PaymentEffects.PollTiming()
    public var clock: TillClock = .continuous
    /// The shop's local date; nil: the wall clock's, in the shop's zone.
    public var today: (@Sendable () -> CivilDate)?
    public var secondsSince1970: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    /// Payments the journal left open, settled by recovery as the till starts.
    public var recovering: [UnsettledPayment] = []
    public var logger: Logger

    public init(till: Till, state: TillState, client: VippsClient, terminal: any TillTerminal, journal: any TillJournal, logger: Logger) {
        self.till = till
        self.state = state
        self.client = client
        self.terminal = terminal
        self.journal = journal
        self.logger = logger
    }

    /// The till's parts as services under one group: the store link (which copies the journal
    /// to the server and brings its events), the catalog follower, and the till itself. The
    /// group ends when the till does; SIGTERM and SIGHUP end the till first, as F10 and yes do
    /// (an open basket voided and journaled), then the rest in order.
    public func assemble() -> AssembledTill {
        let logger = self.logger
        var link: StoreLink?
        var storeEvents: AsyncStream<StoreEvent>?
        let (catalogVersions, catalogSink) = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1))
        if let (server, journal) = storeLink {
            if server.isInsecure {
                logger.warning("store server \(server.url): plain http:// (insecure = true); the token and the journal cross the network in clear")
            }
            let (events, eventSink) = AsyncStream.makeStream(of: StoreEvent.self, bufferingPolicy: .bufferingNewest(64))
            storeEvents = events
            link = StoreLink(configuration: server, journal: journal, logger: logger, onEvent: { eventSink.yield($0) },
                             onCatalog: { catalogSink.yield($0) })
        }
        let runtime = TillRuntime(
            till: till, state: state, client: client, terminal: terminal, scanners: scanners, roles: roles, logger: logger, journal: journal,
            today: today, chain: chain, trainingClient: trainingClient, secondsSince1970: secondsSince1970, printer: printer, logo: logo,
            printRetryInterval: printRetryInterval, storeEvents: storeEvents, storeConnected: { [link] in link?.isConnected ?? false },
            pollTiming: pollTiming, customerView: customerView, clock: clock)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // (A part that ends early, as the catalog follower does without a store server, leaves the rest running.)
        if let link {
            services.append(.init(service: TillPart(name: "store link") { await link.run() }, successTerminationBehavior: .ignore))
            if let serverCatalog {
                let market = state.settings.market
                services.append(.init(service: TillPart(name: "catalog updates") {
                    await Self.follow(catalogVersions, from: link, keptIn: serverCatalog, market: market, runtime: runtime, logger: logger)
                }, successTerminationBehavior: .ignore))
            }
        }
        let recovering = self.recovering
        services.append(.init(service: TillPart(name: "till", body: { await runtime.run(recovering: recovering) },
                                                onShutdown: { logger.info("signal: the till closes (an open basket is voided)"); runtime.terminate() }),
                              successTerminationBehavior: .gracefullyShutdownGroup))
        return AssembledTill(runtime: runtime, services: services, logger: logger, finish: { catalogSink.finish() })
    }

    /// New catalogs from the store server, fetched, kept and sold from.
    static func follow(_ versions: AsyncStream<Int64>, from link: StoreLink, keptIn copy: ServerCatalogCopy, market: Market,
                       runtime: TillRuntime, logger: Logger) async {
        var current = copy.version() ?? 0
        for await version in versions where version != current {
            do {
                guard let (fetched, csv) = try await link.fetchCatalog(known: current) else { continue }
                let result = CatalogCSV.parse(csv, market: market)
                guard result.catalog.count > 0 else {
                    logger.error("catalog \(fetched) from the store server has no product the till can sell; the till keeps its catalog")
                    continue
                }
                for problem in result.problems { logger.warning("catalog \(fetched) from the store server: \(problem)") }
                do {
                    try copy.write(csv: csv, version: fetched)
                } catch {
                    logger.warning("catalog \(fetched): the local copy was not kept (\(error)); the till sells it all the same")
                }
                await runtime.replaceCatalog(result.catalog, version: fetched)
                current = fetched
            } catch {
                logger.warning("catalog \(version) not fetched from the store server: \(error); the till keeps its catalog")
            }
        }
    }
}

/// A till put together by `TillParts.assemble()`, ready to run.
public struct AssembledTill: Sendable {
    public let runtime: TillRuntime
    let services: [ServiceGroupConfiguration.ServiceConfiguration]
    let logger: Logger
    let finish: @Sendable () -> Void

    /// Runs the till's parts until the till ends; `signals` (the real till: SIGTERM, SIGHUP)
    /// end it in order.
    public func run(endingOn signals: [UnixSignal] = []) async {
        let configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: signals, logger: logger)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            logger.error("till: \(error)")
        }
        finish()
    }

    /// Ends the till as a signal would: in order, an open basket voided and journaled.
    public func terminate() { runtime.terminate() }
}

/// One part of the running till as a service: `body` runs until it is done; at a graceful
/// shutdown (SIGTERM, SIGHUP) `onShutdown` asks it to end in order, or, without one, it is cancelled.
struct TillPart: Service, CustomStringConvertible {
    let name: String
    let body: @Sendable () async -> Void
    var onShutdown: (@Sendable () -> Void)?

    var description: String { name }

    func run() async throws {
        if let onShutdown {
            await withGracefulShutdownHandler(operation: body, onGracefulShutdown: onShutdown)
        } else {
            await cancelWhenGracefulShutdown(body)
        }
    }
}
