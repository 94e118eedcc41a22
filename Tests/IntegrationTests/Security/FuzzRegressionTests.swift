import Foundation
@testable import IntegrationSupport
import Testing

/// Every input the fuzzers found a crash with (Tests/FuzzRegressions/TARGET/…) goes through
/// its target again in the normally built `kasse-fuzz` (assertions of C++ dependencies on).
@Suite struct FuzzRegressionTests {
    static var binary: String { Repository.root.appendingPathComponent(".build/debug/kasse-fuzz").path }

    static var targets: [String] {
        let folder = Repository.root.appendingPathComponent("Tests/FuzzRegressions").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test func everyCrashInputFoundSoFarIsHandled() async throws {
        #expect(!Self.targets.isEmpty)
        for target in Self.targets {
            let folder = Repository.root.appendingPathComponent("Tests/FuzzRegressions/\(target)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0).path }
            let result = try await runProgram(Self.binary, [target] + files)
            #expect(result.status == 0, "\(target): \(result.output) \(result.errors.suffix(2000))")
            #expect(result.output.contains("\(files.count) input(s) through \(target): no crash"))
        }
    }
}
