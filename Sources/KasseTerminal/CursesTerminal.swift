import CNcurses
import Foundation
import KasseTill
import Synchronization

public enum TerminalEvent: Sendable, Equatable {
    case key(Key)
    case resized(TerminalSize)
}

/// What the till's runtime needs of a terminal: keys and resizes in, frames and bells out.
/// `CursesTerminal` is the real one; tests drive the runtime in-process with their own.
public protocol TillTerminal: AnyObject, Sendable {
    var events: AsyncStream<TerminalEvent> { get }
    var size: TerminalSize { get }
    func present(_ canvas: Canvas)
    func bell()
}

/// The till's terminal through ncurses (wide characters, UTF-8).
///
/// Every curses call happens on one dedicated thread, which also waits for keys: curses is
/// not thread-safe and `wget_wch` blocks. Frames are handed over through a latest-frame slot
/// and a wake-up pipe; the thread sleeps in `poll` on the keyboard and that pipe, so an idle
/// till costs no CPU. Curses itself sends only what changed. `endwin()` runs when the thread ends.
///
/// `@unchecked Sendable`: the only state shared with other threads is in `Mutex`es.
public final class CursesTerminal: TillTerminal, @unchecked Sendable {
    public let events: AsyncStream<TerminalEvent>
    private let continuation: AsyncStream<TerminalEvent>.Continuation
    private let pendingFrame = Mutex<Canvas?>(nil)
    private let control = Mutex((stop: false, bell: false))
    private let currentSize = Mutex(TerminalSize(columns: 80, rows: 24))
    private let finished = DispatchSemaphore(value: 0)
    private let ready = DispatchSemaphore(value: 0)
    /// [read, write]: a byte written wakes the terminal thread.
    private let wake: [Int32]

    public init() {
        (events, continuation) = AsyncStream.makeStream(of: TerminalEvent.self, bufferingPolicy: .bufferingNewest(256))
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        }
        wake = fds
    }

    deinit {
        for fd in wake where fd >= 0 { close(fd) }
    }

    private func wakeUp() {
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
    }

    public var size: TerminalSize { currentSize.withLock { $0 } }

    /// Takes over the terminal. Returns once the screen is set up.
    public func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "kasse-terminal"
        thread.start()
        ready.wait()
    }

    public func present(_ canvas: Canvas) {
        pendingFrame.withLock { $0 = canvas }
        wakeUp()
    }

    public func bell() {
        control.withLock { $0.bell = true }
        wakeUp()
    }

    /// Gives the terminal back (endwin) and waits for that to happen.
    public func stop() {
        let already = control.withLock { state -> Bool in
            defer { state.stop = true }
            return state.stop
        }
        wakeUp()
        if !already { finished.wait() }
        continuation.finish()
    }

    private func loop() {
        setlocale(LC_ALL, "")
        let window = initscr()
        let screen = window ?? kasse_stdscr()
        raw()
        noecho()
        keypad(screen, true)
        // Keys are read once poll says there are some; the short timeout only completes escape sequences.
        wtimeout(screen, 25)
        set_escdelay(25)
        curs_set(0)
        var colours = false
        if has_colors() {
            start_color()
            use_default_colors()
            init_pair(1, Int16(COLOR_GREEN), -1)
            init_pair(2, Int16(COLOR_YELLOW), -1)
            init_pair(3, Int16(COLOR_RED), -1)
            init_pair(4, Int16(COLOR_BLACK), Int16(COLOR_YELLOW))
            colours = true
        }
        currentSize.withLock { $0 = TerminalSize(columns: Int(kasse_cols(screen)), rows: Int(kasse_rows(screen))) }
        ready.signal()
        while !control.withLock({ $0.stop }) {
            if let frame = pendingFrame.withLock({ frame -> Canvas? in
                defer { frame = nil }
                return frame
            }) {
                draw(frame, on: screen, colours: colours)
            }
            if control.withLock({ state -> Bool in
                defer { state.bell = false }
                return state.bell
            }) {
                beep()
            }
            // Sleep until a key, a frame, a bell or a stop. A resize (SIGWINCH, which may land on
            // any thread) is picked up by wget_wch at the latest when the 250 ms wait runs out.
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, nfds_t(fds.count), 250)
            if fds[1].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wake[0], &drain, drain.count) > 0 {}
                if fds[0].revents == 0 { continue }
            }
            // Every key ncurses has, not one per wake-up: a scanner types a whole code at once.
            while true {
                var value: UInt32 = 0
                let result = kasse_get_wch(screen, &value)
                if result == ERR { break }
                if result == kasse_key_code_yes() {
                    if Int32(value) == kasse_key_resize() {
                        let size = TerminalSize(columns: Int(kasse_cols(screen)), rows: Int(kasse_rows(screen)))
                        currentSize.withLock { $0 = size }
                        continuation.yield(.resized(size))
                    } else if let key = Self.special(Int32(value)) {
                        continuation.yield(.key(key))
                    }
                } else if let key = Self.character(value) {
                    continuation.yield(.key(key))
                }
                wtimeout(screen, 0)
            }
            wtimeout(screen, 25)
        }
        endwin()
        finished.signal()
    }

    private func draw(_ canvas: Canvas, on window: UnsafeMutablePointer<WINDOW>?, colours: Bool) {
        let rows = min(canvas.size.rows, Int(kasse_rows(window)))
        let columns = min(canvas.size.columns, Int(kasse_cols(window)))
        for row in 0..<rows {
            var column = 0
            let text = Array(canvas.row(row))
            while column < columns {
                let style = canvas.style(row: row, column: column)
                var end = column
                while end < columns && canvas.style(row: row, column: end) == style { end += 1 }
                // The last cell of the screen cannot be written without scrolling: leave it.
                if row == Int(kasse_rows(window)) - 1 && end == Int(kasse_cols(window)) { end -= 1 }
                guard end > column else { break }
                let (attributes, pair) = Self.attributes(style, colours: colours)
                kasse_set_style(window, attributes, pair)
                var wide = String(text[column..<end]).unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                wide.append(0)
                _ = kasse_put(window, Int32(row), Int32(column), wide, Int32(wide.count - 1))
                column = end
            }
        }
        kasse_set_style(window, kasse_a_normal(), 0)
        wnoutrefresh(window)
        doupdate()
    }

    static func attributes(_ style: CellStyle, colours: Bool) -> (attr_t, Int16) {
        switch style {
        case .normal: return (kasse_a_normal(), 0)
        case .inverse: return (kasse_a_reverse(), 0)
        case .bold: return (kasse_a_bold() | kasse_a_reverse(), 0)
        case .dim: return (kasse_a_dim(), 0)
        case .good: return colours ? (kasse_a_bold(), 1) : (kasse_a_bold(), 0)
        case .warning: return colours ? (kasse_a_bold(), 4) : (kasse_a_reverse(), 0)
        case .bad: return colours ? (kasse_a_bold(), 3) : (kasse_a_bold() | kasse_a_reverse(), 0)
        }
    }

    static func special(_ code: Int32) -> Key? {
        for number in 1...12 where code == kasse_key_f(Int32(number)) { return .function(number) }
        switch code {
        case kasse_key_up(): return .up
        case kasse_key_down(): return .down
        case kasse_key_ppage(): return .pageUp
        case kasse_key_npage(): return .pageDown
        case kasse_key_enter(): return .enter
        case kasse_key_backspace(): return .backspace
        default: return nil
        }
    }

    static func character(_ value: UInt32) -> Key? {
        switch value {
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 9: return .tab
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }
}
