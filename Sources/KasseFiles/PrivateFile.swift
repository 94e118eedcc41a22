import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that hold a secret (a private key, a token, a webhook secret) or the till's records,
/// born private: created `0600` with `O_CREAT | O_EXCL` before a byte is written, written,
/// synced, renamed into place and the folder synced. They are never readable by anyone else,
/// not even for the moment between creating and renaming, and a power cut leaves either the
/// old file or the new one.
public enum PrivateFile {
    /// Writes `data` to `path` (replacing what is there unless `replace` is false) with `mode`
    /// (0600 unless said otherwise: a public key may be 0644).
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o600, replace: Bool = true) throws(FileError) {
        if !replace, access(path, F_OK) == 0 { throw FileError(path: path, operation: "create", code: EEXIST) }
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw FileError(path: path, operation: "create", code: errno) }
        // The umask may have narrowed the mode; fchmod sets exactly what was asked, never wider
        // than `mode`, before anything is written.
        var failure: FileError?
        if fchmod(descriptor, mode) != 0 { failure = FileError(path: path, operation: "set the mode of", code: errno) }
        if failure == nil {
            let written = data.withUnsafeBytes { bytes -> Int in
                var offset = 0
                while offset < bytes.count {
                    let step = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if step < 0 { if errno == EINTR { continue }; return -1 }
                    offset += step
                }
                return offset
            }
            if written != data.count || fsync(descriptor) != 0 { failure = FileError(path: path, operation: "write", code: errno) }
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw failure
        }
        if replace {
            guard rename(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw FileError(path: path, operation: "replace", code: code)
            }
        } else {
            // link() fails if the name exists: a file never replaced (a signing key) stays as it was.
            guard link(temporary, path) == 0 else {
                let code = errno
                unlink(temporary)
                throw FileError(path: path, operation: "create", code: code)
            }
            unlink(temporary)
        }
        syncFolder(of: path)
    }

    /// Creates an empty file `path` with mode 0600 if there is none (the journal before SQLite
    /// opens it: SQLite gives its -wal and -shm files the journal's own mode).
    public static func createEmpty(_ path: String) throws(FileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return }
            throw FileError(path: path, operation: "create", code: errno)
        }
        _ = fchmod(descriptor, 0o600)
        close(descriptor)
        syncFolder(of: path)
    }

    /// The file's permission bits, nil when it cannot be read.
    public static func mode(of path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }

    /// Whether users other than the owner may read the file (group or others).
    public static func readableByOthers(_ path: String) -> Bool {
        guard let mode = mode(of: path) else { return false }
        return mode & 0o077 != 0
    }

    /// The `chmod` to run for a file that must be private.
    public static func chmodAdvice(_ path: String) -> String { "chmod 600 \(path)" }

    static func syncFolder(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}

/// A file that could not be written; says which, what was being done and why.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var code: Int32
    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
}

/// The process's own limits.
public enum ProcessLimits {
    /// Raises the soft limit on open files to the hard limit (at most `ceiling`), so the till's
    /// own work (the journal, its anchor, the printer, the HTTP client) never runs out of
    /// descriptors because a listener is busy. Returns the soft limit now in force.
    @discardableResult
    public static func raiseOpenFiles(ceiling: UInt64 = 65_536) -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let wanted = min(UInt64(limit.rlim_max), ceiling)
        if UInt64(limit.rlim_cur) < wanted {
            var raised = limit
            raised.rlim_cur = rlim_t(wanted)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return wanted }
        }
        return UInt64(limit.rlim_cur)
    }

    /// The soft limit on open files now.
    public static var openFiles: UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return UInt64(limit.rlim_cur)
    }

    /// Every file this process creates from now on is private to its user unless a mode is set
    /// explicitly (journal, -wal, -shm, anchor, logs, exports).
    public static func privateByDefault() {
        umask(0o077)
    }
}

/// Reading a pipe to its end with plain read(2), a read a signal interrupted (EINTR) simply
/// read again. Foundation's `readDataToEndOfFile()` stops the program on EINTR instead, which a
/// child process ending (SIGCHLD) can cause on a busy machine.
public enum PipeReader {
    public static func readAll(_ handle: FileHandle) -> Data {
        let descriptor = handle.fileDescriptor
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return data
    }
}
