import Foundation

/// A progress bar on stderr with count, rate and ETA. On a terminal it redraws one line;
/// elsewhere (CI, pipes) it prints a line at each 10% so logs stay short. Thread-safe.
public final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let start = Date()
    private let lock = NSLock()
    private var done = 0
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let enabled: Bool

    /// - Parameter enabled: false silences it (e.g. `--quiet` or JSON output).
    public init(_ label: String, total: Int, enabled: Bool = true) {
        self.label = label
        self.total = max(0, total)
        self.enabled = enabled
    }

    public func advance(by n: Int = 1) {
        lock.lock(); defer { lock.unlock() }
        done += n
        draw(force: done >= total)
    }

    /// Ends the bar with a final line (elapsed time and rate).
    public func finish(_ message: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let tail = message.map { " — \($0)" } ?? ""
        write("\(isTerminal ? "\r\u{1B}[K" : "")\(label): \(done)/\(total) in \(Self.duration(elapsed)) (\(Self.rate(rate)))\(tail)\n")
    }

    private func draw(force: Bool) {
        guard enabled, total > 0 else { return }
        let now = Date()
        let fraction = min(1, Double(done) / Double(total))
        if isTerminal {
            guard force || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 28, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\u{1B}[K\(label) \(bar) \(done)/\(total) \(statusText(now))")
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile else { return }
            lastDecile = decile
            write("\(label): \(Int(fraction * 100))% (\(done)/\(total)) \(statusText(now))\n")
        }
    }

    private func statusText(_ now: Date) -> String {
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return "\(Self.rate(rate)), ETA \(Self.duration(eta))"
    }

    private func write(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8)!) }

    static func rate(_ r: Double) -> String { r >= 10 ? "\(Int(r.rounded()))/s" : String(format: "%.2f/s", r) }
    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" : t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
