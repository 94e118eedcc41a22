import Foundation
import Testing

/// The tests' one golden-file check (screens, receipts, reports, the journal's stored JSON):
/// `text` must equal the file at `url`. `RECORD_SNAPSHOTS=1 swift test` writes the files anew;
/// a missing file is a failure, never silently recorded.
public func expectGolden(_ text: String, at url: URL, what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        do {
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            Issue.record("could not record \(url.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden file \(url.lastPathComponent): run RECORD_SNAPSHOTS=1 swift test", sourceLocation: sourceLocation)
        return
    }
    #expect(text == golden, "\(what.isEmpty ? url.lastPathComponent : what) differs from its golden file:\n\(text)",
            sourceLocation: sourceLocation)
}
