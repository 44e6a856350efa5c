import Foundation

/// Writes files so that readers see the old content or the new, never a mix:
/// a temporary file beside the target, fsync, rename, fsync of the directory.
public enum AtomicFile {
    /// Replaces `path` with `data` atomically, creating parent directories as needed.
    public static func write(_ data: Data, to path: String, mode: Int = 0o644) throws(FingerprintError) {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = dir + "/.\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temp, contents: nil, attributes: [.posixPermissions: mode]) else {
                throw FingerprintError.unwritable(path: path, reason: FileSystem.errorText())
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch let error as FingerprintError {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw FingerprintError.unwritable(path: path, reason: "\(error.localizedDescription)")
        }
        guard rename(temp, path) == 0 else {
            let reason = FileSystem.errorText()
            try? FileManager.default.removeItem(atPath: temp)
            throw FingerprintError.unwritable(path: path, reason: reason)
        }
        FileSystem.sync(path: dir)
    }

    /// Replaces `path` with `text` (UTF-8) atomically.
    public static func write(_ text: String, to path: String, mode: Int = 0o644) throws(FingerprintError) {
        try write(Data(text.utf8), to: path, mode: mode)
    }

    /// Copies `source` to `target` through a temporary file beside it and a rename, so readers never see a
    /// partial file; with `durable`, the file and the directory are fsynced. A directory at `target` is replaced.
    public static func copy(_ source: String, to target: String, mode: Int, durable: Bool = true) throws(FingerprintError) {
        let fm = FileManager.default
        let dir = (target as NSString).deletingLastPathComponent
        let temp = dir + "/.proj-tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try fm.copyItem(atPath: source, toPath: temp)
            try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: temp)
            if durable { FileSystem.sync(path: temp) }
            if FileSystem.stat(target)?.kind == .directory { try fm.removeItem(atPath: target) }
            guard rename(temp, target) == 0 else { throw FingerprintError.unwritable(path: target, reason: FileSystem.errorText()) }
            if durable { FileSystem.sync(path: dir) }
        } catch let error as FingerprintError {
            try? fm.removeItem(atPath: temp)
            throw error
        } catch {
            try? fm.removeItem(atPath: temp)
            throw FingerprintError.unwritable(path: target, reason: error.localizedDescription)
        }
    }
}
