import ArgumentParser
import Foundation

/// A failure the command line reports as one line on stderr and a non-zero exit status.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A short, human description of an error from Foundation or the system.
func describe(_ error: any Error) -> String {
    if let error = error as? CocoaError, let path = error.userInfo[NSFilePathErrorKey] as? String {
        switch error.code {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file: \(path)"
        case .fileReadNoPermission: return "permission denied: \(path)"
        case .fileReadInapplicableStringEncoding: return "not UTF-8 text: \(path)"
        default: break
        }
    }
    return "\(error.localizedDescription)"
}

/// Writes a line to standard output at once (print() buffers when stdout is a pipe).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes a line to standard error.
func warn(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
