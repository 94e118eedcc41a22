import Foundation
import Testing

/// Keeps the layering visible: pure targets import nothing that does I/O, and each C
/// library or network/database dependency is imported by its one edge target only.
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func imports(ofTarget target: String) throws -> Set<String> {
        let directory = root.appendingPathComponent("Sources/\(target)")
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        var modules = Set<String>()
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "import"), index + 1 < words.count,
                    words[..<index].allSatisfy({ $0.hasPrefix("@") || $0 == "public" || $0 == "internal" })
                {
                    modules.insert(String(words[index + 1]))
                }
            }
        }
        return modules
    }

    @Test(arguments: [
        ("VippsModels", Set(["Crypto"])),
        ("KasseCore", Set(["VippsModels"])),
        ("KasseScanning", Set<String>()),
        ("KasseTill", Set(["KasseCore", "VippsModels"])),
        ("KasseNorway", Set(["KasseCore", "KasseTill", "Crypto", "_CryptoExtras", "FoundationEssentials"])),
        ("KassePrinting", Set<String>()),
    ])
    func pureTargetsImportNoIO(target: String, allowed: Set<String>) throws {
        let imports = try Self.imports(ofTarget: target)
        #expect(imports.subtracting(allowed).isEmpty, "\(target) imports \(imports.subtracting(allowed))")
    }

    @Test func edgeLibrariesStayInTheirEdgeTargets() throws {
        let owners: [String: Set<String>] = [
            "Hummingbird": ["KasseSimulator", "KasseWebhookReceiver"],
            "AsyncHTTPClient": ["KasseSimulator", "VippsClient"],
            "NIOPosix": ["VippsClient"], "GRDB": ["KasseJournal"], "CNcurses": ["KasseTerminal"], "CLibUSB": ["KasseUSB"], "TOMLKit": ["KasseConfig"],
        ]
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
        for target in targets {
            let imports = try Self.imports(ofTarget: target)
            for (module, allowed) in owners where imports.contains(module) {
                #expect(allowed.contains(target), "\(target) imports \(module); only \(allowed.sorted()) may")
            }
        }
    }
}
