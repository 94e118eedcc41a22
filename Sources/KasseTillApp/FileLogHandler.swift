import Foundation
import KasseFiles
import Logging
import VippsModels
import Synchronization

/// Logs to a file: the till owns the terminal, so nothing may be written to it.
public struct FileLogHandler: LogHandler {
    final class Sink: Sendable {
        let handle: Mutex<FileHandle?>
        init(path: String) {
            let url = URL(fileURLWithPath: path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? PrivateFile.createEmpty(path)
            let handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
            self.handle = Mutex(handle)
        }
        func write(_ line: String) {
            handle.withLock { $0?.write(Data((line + "\n").utf8)) }
        }
    }

    let sink: Sink
    let label: String
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public static func factory(path: String) -> @Sendable (String) -> any LogHandler {
        let sink = Sink(path: path)
        return { label in FileLogHandler(sink: sink, label: label) }
    }

    init(sink: Sink, label: String) {
        self.sink = sink
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let stamp = InternetTime.rfc3339(Date().timeIntervalSince1970)
        sink.write("\(stamp) \(event.level) \(label): \(event.message)")
    }
}
