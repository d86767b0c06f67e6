import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What tells that a file's bytes are unchanged without reading them, as git's index does: size,
/// modification and status-change times to the nanosecond, and inode. Setting the modification time
/// back (`touch -d`) still moves the status-change time, and replacing the file changes the inode.
public struct FileFingerprint: Sendable, Equatable {
    public var size: Int64
    public var modifiedNanoseconds: Int64
    public var changedNanoseconds: Int64
    public var inode: UInt64

    public init(size: Int64, modifiedNanoseconds: Int64, changedNanoseconds: Int64, inode: UInt64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.changedNanoseconds = changedNanoseconds
        self.inode = inode
    }

    /// The fingerprint of the regular file at `path`, or nil when it cannot be stat'ed or is not a regular file.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        self.init(size: Int64(info.st_size),
                  modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                  changedNanoseconds: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
                  inode: UInt64(info.st_ino))
    }
}
