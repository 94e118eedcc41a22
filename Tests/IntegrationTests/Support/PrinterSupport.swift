import Foundation
import KasseJournal
import KasseJournalSQLite
import KassePrinter
import KassePrinting
import Synchronization
import Testing
import KasseTesting

/// Waits for the emulator to have printed `count` documents.
func waitForDocuments(_ emulator: PrinterEmulator, _ count: Int, timeout: Duration = .seconds(60),
                      sourceLocation: SourceLocation = #_sourceLocation) async -> [ESCPOSReader.Document] {
    let printed = await eventually(timeout: timeout, every: .milliseconds(20)) { () -> [ESCPOSReader.Document]? in
        let documents = emulator.documents
        return documents.count >= count ? documents : nil
    }
    if let printed { return printed }
    Issue.record("the printer printed \(emulator.documents.count) documents, not \(count)", sourceLocation: sourceLocation)
    return emulator.documents
}
