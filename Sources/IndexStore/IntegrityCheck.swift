import Foundation
import GRDB

/// What `imgsearch index --check` found. Healthy when `problems` is empty.
public struct IntegrityReport: Sendable, CustomStringConvertible {
    public var items = 0
    public var okItems = 0
    public var failedItems = 0
    public var rows = 0
    /// Rows no item references (left by updates and removals until compaction): not a problem.
    public var orphanRows = 0
    public var problems: [String] = []

    public var isHealthy: Bool { problems.isEmpty }

    public init() {}

    public var description: String {
        let head = "\(items) items (\(okItems) ok, \(failedItems) failed), \(rows) vector rows (\(orphanRows) unreferenced)"
        return isHealthy ? "\(head): OK" : ([head + ": \(problems.count) problem(s)"] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}

extension SQLiteIndexStore {
    /// Verifies the whole store: SQLite's own integrity, the item invariants (status ↔ row,
    /// unique ids and rows, every row in range), and each vector file (header, size, checksum of
    /// the committed rows, finite values).
    public func checkIntegrity() throws -> IntegrityReport {
        var report = IntegrityReport()
        let state = try read { db in try Self.readState(db) }
        report.rows = state.rowCount
        try read { db in
            let verdict = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if verdict != ["ok"] { report.problems += verdict.map { "SQLite: \($0)" } }
            report.items = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items") ?? 0
            report.okItems = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE status = 'ok'") ?? 0
            report.failedItems = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE status = 'failed'") ?? 0
            let distinctIDs = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT id) FROM items") ?? 0
            if distinctIDs != report.items { report.problems.append("\(report.items - distinctIDs) duplicate item ids") }
            let rows = try Int.fetchOne(db, sql: "SELECT COUNT(vector_row) FROM items") ?? 0
            let distinctRows = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT vector_row) FROM items") ?? 0
            if distinctRows != rows { report.problems.append("\(rows - distinctRows) vector rows shared by several items") }
            let withoutRow = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE status = 'ok' AND vector_row IS NULL") ?? 0
            if withoutRow > 0 { report.problems.append("\(withoutRow) ok items without a vector row") }
            let outOfRange = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE vector_row < 0 OR vector_row >= ?",
                                              arguments: [state.rowCount]) ?? 0
            if outOfRange > 0 { report.problems.append("\(outOfRange) items point past the \(state.rowCount) committed rows") }
            let unexplained = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE status = 'failed' AND (error IS NULL OR error = '')") ?? 0
            if unexplained > 0 { report.problems.append("\(unexplained) failed items without a reason") }
            report.orphanRows = state.rowCount - distinctRows
        }
        for set in vectorSets { report.problems += checkVectorFile(set, state: state) }
        return report
    }

    /// Problems of one vector file against the committed state (empty when it is sound).
    private func checkVectorFile(_ set: VectorSetSpec, state: CommittedState) -> [String] {
        let url = vectorFileURL(set.name, generation: state.generation)
        do {
            let file = try VectorFile(url: url, writable: false)
            let header = try file.readHeader()
            let problems = headerProblems(header, set: set, state: state).map { "\(url.lastPathComponent): \($0)" }
            guard problems.isEmpty else { return problems }
            var checksum = VectorChecksum.initial
            var nonFinite = 0
            for start in stride(from: 0, to: state.rowCount, by: 4096) {
                let values = try file.readRows(start..<min(start + 4096, state.rowCount), dimension: set.dimension)
                nonFinite += values.lazy.filter { !$0.isFinite }.count
                checksum = values.withUnsafeBufferPointer { VectorChecksum.extend(checksum, with: $0, dimension: set.dimension) }
            }
            var found: [String] = []
            if checksum != state.checksums[set.name] { found.append("\(url.lastPathComponent): checksum mismatch (rows changed on disk)") }
            if header.count == state.rowCount && header.checksum != checksum {
                found.append("\(url.lastPathComponent): header checksum differs from the rows")
            }
            if nonFinite > 0 { found.append("\(url.lastPathComponent): \(nonFinite) non-finite values") }
            return found
        } catch {
            return ["\(url.lastPathComponent): \(error)"]
        }
    }

    /// What is wrong with a vector file's header against the committed state: the rule `--check` reports and
    /// search refuses by. A header counting MORE rows than the database means the database lost transactions
    /// it had committed (a damaged WAL drops every frame after the bad one); FEWER, a run killed between its
    /// commit and the header's update (the next `imgsearch index` rewrites it) or a damaged header.
    /// `allowingStaleHeader`: a writer rewrites a lagging count or checksum copy, and search reads while an
    /// indexer sits between its commit and the header update; neither accepts a file the database lost rows of.
    func headerProblems(_ header: VectorFileHeader, set: VectorSetSpec, state: CommittedState, allowingStaleHeader: Bool = false) -> [String] {
        var problems: [String] = []
        if header.dimension != set.dimension { problems.append("header dimension \(header.dimension), index says \(set.dimension)") }
        if header.modelIdentifier != modelIdentifier { problems.append("header model \(header.modelIdentifier), index says \(modelIdentifier)") }
        if header.count > state.rowCount {
            problems.append("the file holds \(header.count) committed rows, the index database only \(state.rowCount): "
                            + "the database lost committed transactions (damaged index.sqlite-wal?); rebuild the index")
        } else if allowingStaleHeader {
            return problems
        } else if header.count < state.rowCount {
            problems.append("header counts \(header.count) rows, the index database \(state.rowCount): a damaged header, or a run "
                            + "killed right after its commit (the next imgsearch index rewrites the header)")
        } else if header.count == state.rowCount, let recorded = state.checksums[set.name], header.checksum != recorded {
            problems.append("header checksum \(String(header.checksum, radix: 16)), the index database records \(String(recorded, radix: 16))")
        }
        return problems
    }
}
