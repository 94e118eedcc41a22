// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // `swift run kasse` prints no warnings from this package: a new one fails the (debug) build.
    // Release builds (benchmarks, the fuzzer's instrumented build) only warn.
    .treatAllWarnings(as: .error, .when(configuration: .debug)),
]

/// Tests keep ExistentialAny but not MemberImportVisibility, which only adds import noise there.
let testSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

/// What the integration tests run together.
let integrationDependencies: [Target.Dependency] = [
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
    "KasseFiles", "KasseListener",
    "KasseSimulator", "VippsModels", "KasseCore", "VippsClient", "KasseWebhookReceiver", "KasseTillApp", "KasseConfig", "VippsWebhooks",
    "KasseJournal", "KasseJournalSQLite", "KasseTill", "KasseNorway", "KassePrinting", "KassePrinter", "KasseLanguage",
    "KasseStore", "KasseStoreServer", "KasseStoreLink", "KasseQR", "KasseDisplayLink", "KasseTesting", "KasseTerminal",
    .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
    .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "GRDB", package: "GRDB.swift"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "AsyncHTTPClient", package: "async-http-client"),
]

/// Each integration test target and its folder: what it integrates.
let integrationTargets: [(String, String)] = [
    ("VippsAPITests", "VippsAPI"),            // the client, the simulator, Vipps MobilePay's own documents
    ("TillAppTests", "Till"),                 // the till's runtime in-process and the real binary in tmux
    ("StoreServerTests", "StoreServer"),      // PostgreSQL, the store server, tills with it
    ("JournalStoreTests", "Journal"),         // SQLite journals on disk and the commands over them
    ("CommandLineTests", "CommandLine"),      // the kasse commands
    ("DeviceTests", "Devices"),               // printers, scanners under umockdev, QR codes read back
    ("HostileNetworkTests", "Security"),      // listeners under attack, fuzz findings
]

let package = Package(
    name: "Kasse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kasse", targets: ["kasse"]),
        .executable(name: "kasse-fuzz", targets: ["kasse-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // PURE: the API's wire shapes, shared by client and simulator. No I/O.
        // (swift-crypto is pure computation: the webhook HMAC scheme lives here so the
        // simulator signs and the client verifies with the same code.)
        .target(
            name: "VippsModels",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // PURE: money, VAT, catalog, basket, receipts, customer identification. No I/O.
        .target(
            name: "KasseCore",
            dependencies: [
                "VippsModels",
                // Staff PINs are kept as scrypt hashes.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // PURE: barcode scanner decoding (HID keyboard reports in four layouts, HID POS).
        .target(name: "KasseScanning", swiftSettings: strict),
        // PURE: Norwegian cash-register rules: the transaction signature (RSA-SHA1) and its text.
        .target(
            name: "KasseNorway",
            dependencies: [
                "KasseCore",
                "KasseJournal",
                "KasseTill",
                "KasseLanguage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // PURE: receipt printing: documents, ESC/POS out and in (the emulator's reader), status,
        // code pages, the paper as an image (PNG).
        .target(name: "KassePrinting", swiftSettings: strict),
        // PURE: QR codes (the customer display's fallback payment code), and their half-block drawing.
        .target(name: "KasseQR", swiftSettings: strict),
        // EDGE: receipt printers over TCP, the kernel's USB printer device or a file, through a
        // print queue on a thread of its own; and the printer emulator.
        .target(name: "KassePrinter", dependencies: ["KassePrinting"], swiftSettings: strict),
        // PURE: the till's state machine and its screens as text.
        // PURE: the languages the till speaks (nb, da, fi, en): every message, and how each writes
        // amounts, quantities, dates and times.
        .target(name: "KasseLanguage", dependencies: ["KasseCore", "VippsModels"], swiftSettings: strict),
        .target(
            name: "KasseJournal",
            dependencies: ["KasseCore", "KasseLanguage", "VippsModels", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(name: "KasseTill", dependencies: ["KasseCore", "KasseJournal", "KasseLanguage", "VippsModels", "KasseQR"], swiftSettings: strict),
        // C: ncursesw (linked directly: SwiftPM drops the flags pkg-config would add).
        .systemLibrary(name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
        // EDGE: the terminal, through ncurses on a thread of its own.
        .target(name: "KasseTerminal", dependencies: ["CNcurses", "KasseTill"], swiftSettings: strict),
        // C: libusb-1.0.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        // EDGE: USB barcode scanners through libusb, on a thread of their own.
        .target(
            name: "KasseUSB",
            dependencies: ["CLibUSB", "KasseScanning", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // EDGE: the local Vipps MobilePay simulator (Hummingbird).
        .target(
            name: "KasseSimulator",
            dependencies: [
                "KasseListener",
                "VippsModels",
                "VippsWebhooks",
                "KasseCore",
                "KasseQR",
                "KassePrinting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Webhook request verification (the HMAC scheme over a request's headers and body).
        // No I/O; Foundation for URL and date parsing.
        // Vipps MobilePay's webhooks, pure: the signing scheme (the simulator signs with it) and
        // the verification of a request (the store server, `kasse webhook listen`).
        .target(
            name: "VippsWebhooks",
            dependencies: ["VippsModels", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // EDGE: the configuration file, read by a real TOML library (TOMLKit, over the C++ toml++).
        .target(
            name: "KasseConfig",
            dependencies: ["KasseCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // EDGE: the Vipps MobilePay API client (AsyncHTTPClient).
        .target(
            name: "VippsClient",
            dependencies: [
                "VippsModels",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // EDGE: files born private (0600 from their first byte, written atomically) and the
        // process's own limits (open files, umask). POSIX only.
        .target(name: "KasseFiles", swiftSettings: strict),
        // EDGE: the limits every listening socket keeps (connections, per-peer, timeouts, body
        // size), as a guard in front of Hummingbird's HTTP/1 and WebSocket channels.
        .target(
            name: "KasseListener",
            dependencies: [
                "KasseFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // EDGE: the HTTP receiver of `kasse webhook listen` (Hummingbird).
        .target(
            name: "KasseWebhookReceiver",
            dependencies: [
                "KasseListener",
                "VippsWebhooks",
                "VippsModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // PURE: the store server's protocol and rules: what crosses between tills and the server
        // (events, journal batches), which till a payment belongs to, how a replicated journal's
        // chain is checked, the journal's hash formula itself.
        .target(
            name: "KasseStore",
            dependencies: ["KasseCore", "KasseJournal", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // EDGE: `kasse server`: webhooks in, events out over WebSockets, journals and the catalog
        // in PostgreSQL (Hummingbird, hummingbird-websocket, postgres-nio).
        .target(
            name: "KasseStoreServer",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "KasseListener", "KasseFiles",
                "KasseStore", "KasseCore", "VippsModels", "VippsWebhooks", "KasseJournal", "KasseTill", "KasseNorway",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // EDGE: the till's side of the store server: the event WebSocket, journal replication and
        // the catalog (hummingbird-websocket's client, AsyncHTTPClient).
        .target(
            name: "KasseStoreLink",
            dependencies: [
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "KasseStore", "KasseCore", "KasseJournal", "KasseJournalSQLite",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // EDGE: the customer display's connection: the till's WebSocket server (Hummingbird) and
        // the display's client (hummingbird-websocket), carrying only the customer's view.
        .target(
            name: "KasseDisplayLink",
            dependencies: [
                "KasseListener", "KasseCore",
                "KasseTill",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // EDGE: the till's journal in SQLite (GRDB): append-only, hash-chained.
        .target(
            name: "KasseJournalSQLite",
            dependencies: [
                "KasseFiles",
                "KasseJournal", "KasseCore", "VippsModels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // SHELL: the till's runtime and composition (terminal, scanners, client, demo simulator).
        .target(
            name: "KasseTillApp",
            dependencies: [
                "KasseFiles", "KasseConfig",
                "KasseTill", "KasseTerminal", "KasseUSB", "KasseScanning", "VippsClient", "KasseSimulator", "KasseCore", "VippsModels",
                "KasseJournal", "KasseJournalSQLite", "KasseNorway", "KassePrinting", "KassePrinter", "KasseLanguage", "KasseStore", "KasseStoreLink",
                "KasseDisplayLink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // SHELL: the one executable, a thin layer of subcommands.
        .executableTarget(
            name: "kasse",
            dependencies: [
                "KasseFiles",
                "KasseCore",
                "KasseConfig",
                "VippsWebhooks",
                "VippsModels",
                "KasseSimulator",
                "VippsClient",
                "KasseWebhookReceiver",
                "KasseScanning",
                "KasseUSB",
                "KasseTillApp",
                "KasseJournal",
                "KasseJournalSQLite",
                "KasseTill",
                "KasseNorway",
                "KassePrinting",
                "KassePrinter",
                "KasseTerminal",
                "KasseLanguage",
                "KasseStore",
                "KasseStoreServer",
                "KasseStoreLink",
                .product(name: "Crypto", package: "swift-crypto"),
                // The store server benchmark plays Vipps MobilePay's webhook sender.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Fuzz targets for every parser (scripts/fuzz builds it with libFuzzer; built normally it
        // replays inputs through a target).
        .executableTarget(
            name: "kasse-fuzz",
            dependencies: ["KasseCore", "KasseScanning", "KasseJournal", "KasseTill", "KasseConfig", "VippsModels", "VippsWebhooks", "KassePrinting"],
            path: "Sources/KasseFuzz",
            swiftSettings: strict
        ),
        // What the tests share: the manual clock (and, as they move here, the fakes and helpers).
        .target(name: "KasseTesting", dependencies: ["KasseCore", "KasseJournal"], swiftSettings: strict),
        .testTarget(name: "KasseCoreTests", dependencies: ["KasseCore", "KasseTesting", "VippsModels"], swiftSettings: testSettings),
        .testTarget(name: "KasseTillTests", dependencies: ["KasseTill", "KasseJournal", "KasseTesting", "KasseCore", "KasseLanguage", "VippsModels"],
                    exclude: ["__Snapshots__", "__Receipts__"], swiftSettings: testSettings),
        .testTarget(name: "VippsWebhooksTests", dependencies: ["VippsWebhooks", "VippsModels"], swiftSettings: testSettings),
        .testTarget(name: "KasseJournalTests", dependencies: ["KasseJournal", "KasseTesting", "KasseCore", "KasseLanguage", "VippsModels"],
                    exclude: ["__Golden__"], swiftSettings: testSettings),
        .testTarget(name: "KasseConfigTests", dependencies: ["KasseConfig", "KasseCore"], swiftSettings: testSettings),
        .testTarget(name: "KasseLanguageTests", dependencies: ["KasseLanguage", "KasseCore", "VippsModels"], swiftSettings: testSettings),
        .testTarget(name: "KasseNorwayTests", dependencies: ["KasseNorway", "KasseCore", "KasseJournal", "KasseTesting", "KasseTill", "KasseLanguage", "VippsModels"],
                    exclude: ["__Snapshots__"], swiftSettings: testSettings),
        .testTarget(name: "KasseStoreTests", dependencies: ["KasseStore", "KasseJournal", "KasseCore"], swiftSettings: testSettings),
        .testTarget(name: "KassePrintingTests", dependencies: ["KassePrinting"], swiftSettings: testSettings),
        .testTarget(name: "KasseQRTests", dependencies: ["KasseQR"], swiftSettings: testSettings),
        .testTarget(name: "KasseScanningTests", dependencies: ["KasseScanning", "KasseCore"], swiftSettings: testSettings),
        // Real loopback servers, the real binary, the official OpenAPI documents: a test target
        // for each thing the parts are tested together for, in Tests/IntegrationTests/<folder>,
        // sharing the harness (Support/: the simulator, the kasse binary, PostgreSQL, tmux, the in-process till).
        .target(name: "IntegrationSupport", dependencies: integrationDependencies, path: "Tests/IntegrationTests/Support",
                swiftSettings: testSettings),
    ] + integrationTargets.map { name, folder in
        .testTarget(name: name, dependencies: integrationDependencies + ["IntegrationSupport"], path: "Tests/IntegrationTests/" + folder,
                    swiftSettings: testSettings)
    }
)
