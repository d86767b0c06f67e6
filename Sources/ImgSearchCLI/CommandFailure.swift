import ArgumentParser

/// A failure while a command runs (a missing index, an unreadable file): printed as `Error: …` with exit status 1.
/// `ValidationError` is for bad command lines only: it prints the usage and exits with 64.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `imgsearch index`'s exit statuses (its --help and the README say the same).
enum IndexExitStatus {
    /// Every item of the catalog is indexed.
    static let complete: Int32 = 0
    /// The run could not finish (also the status of a damaged index under --check).
    static let failed: Int32 = 1
    /// The run finished, but some images failed or some catalog lines were skipped (both listed on stderr/stdout).
    static let finishedWithFailures: Int32 = 2
}
