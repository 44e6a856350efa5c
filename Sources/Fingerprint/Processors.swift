import Foundation

/// How many CPUs this process may use: the CPUs in its affinity mask (as `taskset` or a
/// container's cpuset sets them), capped by its cgroup's CPU quota (cgroup v2 `cpu.max`, v1
/// `cpu.cfs_quota_us`), rounded up. Not the machine's count: in a container limited to 2 of 64 CPUs it is 2.
public enum Processors {
    /// The CPUs this process may use, at least 1.
    public static var available: Int {
        let cpus = affinity ?? ProcessInfo.processInfo.activeProcessorCount
        return max(1, min(cpus, quota(root: "/sys/fs/cgroup") ?? cpus))
    }

    /// The number of CPUs in this process's affinity mask (the kernel's `Cpus_allowed_list`, which
    /// sched_getaffinity reads too), or nil when it cannot be read.
    static var affinity: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return count(list: line.dropFirst("Cpus_allowed_list:".count))
    }

    /// The number of CPUs in a kernel CPU list such as `0-3,8,10-11`, or nil when it is malformed.
    static func count(list: Substring) -> Int? {
        var total = 0
        for range in list.trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let ends = range.split(separator: "-")
            guard let low = Int(ends[0]), let high = Int(ends.count == 2 ? ends[1] : ends[0]), ends.count <= 2, high >= low else { return nil }
            total += high - low + 1
        }
        return total > 0 ? total : nil
    }

    /// The CPU quota of the cgroup mounted at `root`, rounded up, or nil when there is none.
    static func quota(root: String) -> Int? {
        // cgroup v2: "max 100000" (no limit) or "QUOTA PERIOD" in microseconds.
        if let text = try? String(contentsOfFile: root + "/cpu.max", encoding: .utf8) {
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            guard fields.count >= 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
            return Int((quota / period).rounded(.up))
        }
        // cgroup v1: a quota of -1 means no limit.
        guard let q = try? String(contentsOfFile: root + "/cpu/cpu.cfs_quota_us", encoding: .utf8),
              let p = try? String(contentsOfFile: root + "/cpu/cpu.cfs_period_us", encoding: .utf8),
              let quota = Double(q.trimmingCharacters(in: .whitespacesAndNewlines)),
              let period = Double(p.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0, period > 0 else { return nil }
        return Int((quota / period).rounded(.up))
    }
}
