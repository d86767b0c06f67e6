import Foundation
import GRDB

/// Where GRDB pools go when their owner is done: closed (files and connections released), then
/// kept until the process ends instead of being deallocated.
///
/// Why: deallocating a `DatabasePool` on Linux corrupts the heap now and then. It showed as
/// "corrupted double-linked list" aborts in about one `imgsearch train` in four (training opens
/// and drops a feature cache per catalog), detected much later, when an idle GCD worker thread
/// exited. Under `MALLOC_CHECK_=3` the abort sat in `DatabasePool.deinit → Pool.deinit →
/// DispatchQueueActor → _dispatch_dispose`; with the pools kept, the same run was clean 41 times in
/// a row (it had aborted in 2 of 8 just before). A closed pool costs a few kilobytes of memory.
enum ParkedDatabases {
    nonisolated(unsafe) private static var parked: [DatabasePool] = []
    private static let lock = NSLock()

    /// Closes `pool` (errors ignored: the owner is going away) and keeps the object alive.
    static func closeAndKeep(_ pool: DatabasePool) {
        try? pool.close()
        lock.lock()
        parked.append(pool)
        lock.unlock()
    }
}
