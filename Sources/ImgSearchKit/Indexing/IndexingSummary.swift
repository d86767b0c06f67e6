import Foundation

/// What one `imgsearch index` run did.
public struct IndexingSummary: Sendable, CustomStringConvertible {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var failed = 0
    public var pruned = 0
    /// Images whose features came from the feature cache (no CNN run).
    public var fromCache = 0
    public var seconds: Double = 0
    /// Items of this run that could not be indexed: id and reason (also recorded in the store).
    public var failures: [(id: String, reason: String)] = []

    /// Images that went through the pipeline (added + updated + failed) per second of the run.
    public var imagesPerSecond: Double {
        seconds > 0 ? Double(added + updated + failed) / seconds : 0
    }

    public var description: String {
        var lines = [String(format: "indexed in %.1fs (%.1f images/s): %d added, %d updated, %d unchanged, %d failed, %d pruned (%d features from cache)",
                            seconds, imagesPerSecond, added, updated, unchanged, failed, pruned, fromCache)]
        for failure in failures.prefix(20) { lines.append("  failed \(failure.id): \(failure.reason)") }
        if failures.count > 20 { lines.append("  … and \(failures.count - 20) more (status 'failed' in the index)") }
        return lines.joined(separator: "\n")
    }
}
