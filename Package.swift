// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Kasse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kasse", targets: ["kasse"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // PURE: the API's wire shapes, shared by client and simulator. No I/O.
        .target(name: "VippsModels", swiftSettings: strict),
        // PURE: money, VAT, catalog, basket, receipts, customer identification. No I/O.
        .target(name: "KasseCore", dependencies: ["VippsModels"], swiftSettings: strict),
        // EDGE: the local Vipps MobilePay simulator (Hummingbird).
        .target(
            name: "KasseSimulator",
            dependencies: [
                "VippsModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // SHELL: the one executable, a thin layer of subcommands.
        .executableTarget(
            name: "kasse",
            dependencies: [
                "KasseCore",
                "VippsModels",
                "KasseSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "KasseCoreTests", dependencies: ["KasseCore", "VippsModels"], swiftSettings: strict),
    ]
)
