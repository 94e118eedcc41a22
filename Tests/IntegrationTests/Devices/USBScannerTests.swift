import Foundation
@testable import IntegrationSupport
import Testing

/// The real libusb code path of `kasse scanner`, against scanners emulated by umockdev
/// (Tests/USB/scanner_emulator.py), with no hardware.
@Suite(.serialized) struct USBScannerTests {
    struct Report: Decodable {
        var ok: Bool
        var error: String?
        var exit: Int32?
        var stdout: [String]
        var stderr: [String]
        var ioctls: [String: [String]]
    }

    struct Scan: Decodable, Equatable {
        var device: String
        var kind: String
        var text: String
    }

    static let url = "https://qr.vipps.no/28/2/01/031/4791234567?v=1"

    func run(_ scenario: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (Report, [Scan]) {
        let script = Repository.root.appendingPathComponent("Tests/USB/scenario.py").path
        let result = try await runProgram("/usr/bin/python3", [script, scenario, KasseBinary.path])
        let report = try #require(
            try? JSONDecoder().decode(Report.self, from: Data(result.output.utf8)),
            "scenario \(scenario) did not report (is umockdev installed? run scripts/setup): \(result.output) \(result.errors.suffix(2000))",
            sourceLocation: sourceLocation)
        #expect(report.ok, "\(report.error ?? "")", sourceLocation: sourceLocation)
        #expect(report.exit == 0, "kasse exited \(report.exit.map(String.init) ?? "?"): \(report.stderr)", sourceLocation: sourceLocation)
        let scans = report.stdout.compactMap { try? JSONDecoder().decode(Scan.self, from: Data($0.utf8)) }
        return (report, scans)
    }

    @Test func aQRCodeAndAnEAN13ArriveExactly() async throws {
        let (report, scans) = try await run("basic")
        #expect(scans == [
            Scan(device: "05e0:1200@1-1", kind: "personal-qr", text: Self.url),
            Scan(device: "05e0:1200@1-1", kind: "gtin", text: "7040000000016"),
        ])
        #expect(report.stderr.contains { $0.hasPrefix("connected: 05e0:1200@1-1") })
        // No kernel driver was bound, so none was detached or re-attached.
        #expect(report.ioctls["2"]?.contains("DISCONNECT") == false)
    }

    @Test func aNorwegianLayoutScannerDecodedWithLayoutNo() async throws {
        let (_, scans) = try await run("norwegian")
        #expect(scans.map(\.text) == [Self.url])
    }

    /// A stall of 1 s and 3 s in the middle of a QR code from a scanner that sends Enter
    /// (a loaded till, a slow hub) never cuts the code in two.
    @Test func aStalledScannerStillDeliversOneScanEachTime() async throws {
        let (_, scans) = try await run("stall")
        #expect(scans.map(\.text) == [Self.url, Self.url, Self.url])
    }

    @Test func aScannerBoundToTheKernelDriverIsDetachedAndGivenBack() async throws {
        let (report, scans) = try await run("driver")
        #expect(scans.map(\.text) == [Self.url])
        let ioctls = try #require(report.ioctls["2"])
        #expect(ioctls.contains("DISCONNECT"))
        #expect(ioctls.last == "CONNECT", "re-attached on close: \(ioctls)")
        let disconnect = try #require(ioctls.firstIndex(of: "DISCONNECT"))
        let claim = try #require(ioctls.firstIndex(of: "CLAIM"))
        #expect(disconnect < claim)
    }

    @Test func unplugIsNoticedAndTheScannerIsTakenBackWhenItReturns() async throws {
        let (report, scans) = try await run("replug")
        #expect(scans.map(\.text) == ["7040000000016", Self.url])
        let changes = report.stderr.filter { $0.hasPrefix("connected") || $0.hasPrefix("disconnected") }
        #expect(changes.count == 3)
        #expect(changes[1].contains("disconnected: 05e0:1200@1-1"))
    }

    @Test func twoScannersAtOnceKeepTheirRoles() async throws {
        let (_, scans) = try await run("two")
        let kiosk = scans.filter { $0.device == "05e0:1200@1-2" }.map(\.text)
        let cashier = scans.filter { $0.device == "05e0:1200@1-1" }.map(\.text)
        #expect(kiosk == [Self.url, "https://qr.mobilepay.dk/p/7f3c9a2e5b1d4e8fa06c"])
        #expect(cashier == ["7040000000016"])
    }

    @Test func aHIDPOSScannerDeliversLongCodesWhole() async throws {
        let (report, scans) = try await run("pos")
        #expect(report.stderr.contains { $0.contains("hid-pos") })
        #expect(scans.first?.text == "https://qr.mobilepay.fi/p/" + String(repeating: "c2a1d9e7f4b64a3e9d21", count: 5))
        #expect(scans.last?.kind == "gtin")
    }

    @Test func listShowsIdsPortsDriversAndWhetherKasseCanOpenThem() async throws {
        let (report, _) = try await run("list")
        struct Info: Decodable {
            var id: String
            var kernelDriverBound: Bool?
            var canOpen: Bool
            var mode: String?
        }
        let devices = try JSONDecoder().decode([Info].self, from: Data((report.stdout.first ?? "").utf8))
        #expect(Set(devices.map(\.id)) == ["05e0:1200@1-1", "1eab:1a03@1-2"])
        #expect(devices.first { $0.id == "05e0:1200@1-1" }?.kernelDriverBound == true)
        #expect(devices.first { $0.id == "1eab:1a03@1-2" }?.mode == "hid-pos")
        #expect(devices.allSatisfy { $0.canOpen })
    }
}
