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
        ("KasseCore", Set(["VippsModels", "Crypto", "_CryptoExtras", "FoundationEssentials"])),
        ("KasseScanning", Set<String>()),
        ("KasseLanguage", Set(["KasseCore", "VippsModels"])),
        // The journal's events, format, hash chain, reports and audit: pure, so every store of it
        // (the till's SQLite file, the store server's PostgreSQL) and every reader agree.
        ("KasseJournal", Set(["KasseCore", "KasseLanguage", "VippsModels", "Crypto", "FoundationEssentials"])),
        ("KasseTill", Set(["KasseCore", "KasseJournal", "KasseLanguage", "VippsModels", "KasseQR"])),
        ("KasseNorway", Set(["KasseCore", "KasseJournal", "KasseTill", "KasseLanguage", "VippsModels", "Crypto", "_CryptoExtras", "FoundationEssentials"])),
        ("KassePrinting", Set<String>()),
        ("KasseQR", Set<String>()),
        ("KasseStore", Set(["KasseCore", "KasseJournal", "Crypto", "FoundationEssentials"])),
    ])
    func pureTargetsImportNoIO(target: String, allowed: Set<String>) throws {
        let imports = try Self.imports(ofTarget: target)
        #expect(imports.subtracting(allowed).isEmpty, "\(target) imports \(imports.subtracting(allowed))")
    }

    /// The journal's SQLite store is only a store: it knows the journal (`KasseJournal`), not the
    /// till's reducer nor the store server's wire protocol, which depends on the journal instead.
    @Test func theSQLiteJournalIsOnlyAStore() throws {
        let imports = try Self.imports(ofTarget: "KasseJournalSQLite")
        let allowed: Set = ["Foundation", "Glibc", "Synchronization", "GRDB", "KasseFiles", "KasseCore", "VippsModels", "KasseJournal"]
        #expect(imports.contains("GRDB") && imports.contains("KasseJournal"))
        #expect(imports.subtracting(allowed).isEmpty, "KasseJournalSQLite imports \(imports.subtracting(allowed))")
        let store = try Self.imports(ofTarget: "KasseStore")
        #expect(store.contains("KasseJournal"), "the store server's wire protocol carries the journal's own entries")
    }

    /// The Vipps MobilePay client is a client of the API and nothing else: Kasse's files,
    /// languages and errors are the till's business (`KasseTillApp/APIConfiguration.swift`).
    @Test func theVippsClientImportsNoKasseModule() throws {
        let imports = try Self.imports(ofTarget: "VippsClient")
        #expect(imports.contains("VippsModels") && imports.contains("AsyncHTTPClient"))
        #expect(imports.filter { $0.hasPrefix("Kasse") }.isEmpty, "VippsClient imports \(imports.filter { $0.hasPrefix("Kasse") })")
    }

    @Test func edgeLibrariesStayInTheirEdgeTargets() throws {
        let owners: [String: Set<String>] = [
            "Hummingbird": ["KasseSimulator", "KasseWebhookReceiver", "KasseStoreServer", "KasseDisplayLink", "KasseListener"],
            "HummingbirdWebSocket": ["KasseStoreServer", "KasseDisplayLink", "KasseListener"], "HummingbirdWSClient": ["KasseStoreLink", "KasseDisplayLink"],
            "PostgresNIO": ["KasseStoreServer"],
            // kasse: its store server benchmark sends webhooks as Vipps MobilePay does.
            "AsyncHTTPClient": ["KasseSimulator", "VippsClient", "KasseStoreLink", "kasse"],
            "NIOPosix": ["VippsClient"], "NIOSSL": ["KasseListener", "KasseStoreServer", "KasseStoreLink"], "GRDB": ["KasseJournalSQLite"], "CNcurses": ["KasseTerminal"], "CLibUSB": ["KasseUSB"], "TOMLKit": ["KasseConfig"],
        ]
        let targets = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
        for target in targets {
            let imports = try Self.imports(ofTarget: target)
            for (module, allowed) in owners where imports.contains(module) {
                #expect(allowed.contains(target), "\(target) imports \(module); only \(allowed.sorted()) may")
            }
        }
    }

    /// The string literals of a Swift file outside comments.
    static func literals(in path: String) throws -> [(line: Int, text: String)] {
        let source = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        var found: [(Int, String)] = []
        for (number, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var characters = Array(line)
            if let comment = line.range(of: "//") { characters = Array(line[..<comment.lowerBound]) }
            var index = 0
            while index < characters.count {
                guard characters[index] == "\"" else { index += 1; continue }
                var end = index + 1
                var text = ""
                while end < characters.count, characters[end] != "\"" {
                    if characters[end] == "\\", end + 1 < characters.count, characters[end + 1] == "(" {
                        // An interpolation is code, not text: skip it (parentheses balanced).
                        var depth = 0
                        end += 1
                        repeat {
                            if characters[end] == "(" { depth += 1 } else if characters[end] == ")" { depth -= 1 }
                            end += 1
                        } while depth > 0 && end < characters.count
                        continue
                    }
                    if characters[end] == "\\" { end += 1 }
                    if end < characters.count { text.append(characters[end]) }
                    end += 1
                }
                found.append((number + 1, text))
                index = end + 1
            }
        }
        return found
    }

    /// Everything a person reads on the till's screen comes from the message catalog: the
    /// screen code and the key table hold no words of their own, only placeholder names
    /// (`{amount}`), key caps (F4, Enter, y) and units.
    @Test(arguments: ["Sources/KasseTill/TillScreen.swift", "Sources/KasseTill/Keys.swift"])
    func theScreenCodeHoldsNoWordsOfItsOwn(path: String) throws {
        let english = try String(contentsOf: Self.root.appendingPathComponent("Sources/KasseLanguage/English.swift"), encoding: .utf8)
        var placeholders = Set<String>()
        for part in english.split(separator: "{").dropFirst() {
            if let close = part.firstIndex(of: "}") { placeholders.insert(String(part[..<close])) }
        }
        let keyCaps: Set<String> = ["Enter", "Esc", "y", "Y", "n", "N", "j", "J", "c", "C", "k", "K", "p", "P", "↑↓", "/kg"]
        for (line, text) in try Self.literals(in: path) where text.contains(where: \.isLetter) {
            let isFunctionKey = text.hasPrefix("F") && text.dropFirst().allSatisfy(\.isNumber)
            #expect(placeholders.contains(text) || keyCaps.contains(text) || isFunctionKey,
                    "\(path):\(line): \"\(text)\" is text for a person: put it in the message catalog (Sources/KasseLanguage)")
        }
    }

    /// The reducer says everything through messages too: no banner is made from text.
    @Test func bannersAreMessages() throws {
        let directory = Self.root.appendingPathComponent("Sources/KasseTill")
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
            for (line, text) in try Self.literals(in: "Sources/KasseTill/" + file) where text.contains(" ") && text.contains(where: \.isUppercase) {
                let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false)[line - 1]
                #expect(!source.contains("Banner("), "Sources/KasseTill/\(file):\(line): a banner made of text: \"\(text)\"")
            }
        }
    }

    /// A journal entry's kind is named by `JournalKind` and nowhere else: no `"z-report"`-style
    /// literal (in Swift or in SQL) outside the enum, so a kind cannot be misspelt in a query.
    @Test func journalKindsAreNamedInOnePlace() throws {
        let enumFile = "Sources/KasseJournal/JournalEvent.swift"
        let source = try String(contentsOf: Self.root.appendingPathComponent(enumFile), encoding: .utf8)
        let body = source[source.range(of: "public enum JournalKind")!.lowerBound...]
        let names = body.split(separator: "\n").prefix { !$0.contains("sqlList") }.compactMap { line -> String? in
            guard line.contains("case "), let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        #expect(names.count > 30 && names.contains("z-report") && names.contains("sale-completed"))
        let hyphenated = names.filter { $0.contains("-") }
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 100)
        for file in files where "Sources/" + file != enumFile {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for name in hyphenated {
                #expect(!text.contains("\"\(name)\"") && !text.contains("'\(name)'"),
                        "Sources/\(file) names the journal kind \(name) as a literal: use JournalKind")
            }
        }
    }

    /// A journal entry's payload is the hashed, versioned JSON that `KasseJournal` reads; no
    /// query looks inside it (`payload LIKE …`, `json_extract`), where a changed spelling or key
    /// order would silently change an answer. Queries select by the entry's columns only.
    @Test func noQueryReadsInsideAJournalPayload() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        #expect(files.count > 100)
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8).lowercased()
            for pattern in ["payload like", "payload not like", "json_extract", "payload::json", "payload::jsonb", "payload ->"] {
                #expect(!text.contains(pattern), "Sources/\(file) queries inside the journal's payload (\(pattern))")
            }
        }
    }

    /// The till's shell stores entries through one writer: the intent-named writes of
    /// `KasseTillApp/JournalWrites.swift` (each one transaction), never by appending itself.
    @Test func theTillsShellWritesItsJournalInOnePlace() throws {
        let writer = "JournalWrites.swift", seam = "TillJournal.swift"
        let writes = try String(contentsOf: Self.root.appendingPathComponent("Sources/KasseTillApp/" + writer), encoding: .utf8)
        #expect(writes.contains("append("))
        // The till's shell and the `kasse` commands; the two benchmarks only fill throw-away
        // journals with made-up sales to measure the store, so they append as they please.
        let benchmarks: Set = ["BenchmarkCommand.swift", "ServerBenchmark.swift"]
        for folder in ["Sources/KasseTillApp", "Sources/kasse"] {
            let directory = Self.root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path)
            where file.hasSuffix(".swift") && ![writer, seam].contains(file) && !benchmarks.contains(file) {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for call in ["journal.append(", "journal?.append(", "journal.write(", "Journal.append(", ".append(employee:"] {
                    #expect(!text.contains(call), "\(folder)/\(file) writes the journal itself (\(call)): add an intent-named write to \(writer)")
                }
            }
        }
    }

    /// The README is what a newcomer reads in five minutes: at most 200 lines, its Quick start two
    /// commands, and its picture of the till the golden screen it claims to be.
    @Test func theReadmeStaysShortAndTrue() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count <= 200, "README.md has \(lines.count) lines")
        let quickStart = lines.drop { $0 != "## Quick start" }.drop { !$0.hasPrefix("```") }.dropFirst().prefix { !$0.hasPrefix("```") }
        #expect(quickStart.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count == 2)
        let golden = try String(contentsOf: Self.root.appendingPathComponent("Tests/KasseTillTests/__Snapshots__/basket-en-80x24.txt"), encoding: .utf8)
        #expect(readme.contains("```text\n" + golden + "```"), "README.md's screen is not Tests/KasseTillTests/__Snapshots__/basket-en-80x24.txt")
    }

    /// docs/modules.md names every target under Sources/ and no other: the map cannot go stale.
    @Test func theModuleMapNamesEveryTarget() throws {
        let map = try String(contentsOf: Self.root.appendingPathComponent("docs/modules.md"), encoding: .utf8)
        // The block under `Sources/`, up to the next top-level folder (`Tests/`).
        let lines = map.split(separator: "\n").drop { $0 != "Sources/" }.dropFirst().prefix { $0.hasPrefix(" ") }
        let named = Set(lines.compactMap { line -> String? in
            guard line.hasPrefix("  "), let slash = line.firstIndex(of: "/") else { return nil }
            let name = line[..<slash].trimmingCharacters(in: .whitespaces)
            return name.isEmpty || name.contains(" ") ? nil : name
        })
        let targets = Set(try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
            .filter { !$0.hasPrefix(".") })
        #expect(targets.count > 20)
        #expect(targets.subtracting(named).isEmpty, "targets missing from docs/modules.md: \(targets.subtracting(named).sorted())")
        #expect(named.subtracting(targets).isEmpty, "docs/modules.md names targets that do not exist: \(named.subtracting(targets).sorted())")
    }
}
