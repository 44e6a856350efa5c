import Foundation
import Testing

/// The flagship and the network-security example reproduced from nothing on this machine (no locks, no
/// cache, no outs, a fresh key), as `proj repro` runs them: the bundle's manifest checksum must be the one
/// bundles/index.yaml records for the project's version, which another machine committed.
@Suite(.serialized) struct FlagshipDigestTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test(arguments: [("", 2), ("examples/network-security", 4)])
    func theBundleRebuiltHereHasTheRecordedManifest(project: String, depth: Int) throws {
        let source = project.isEmpty ? FlagshipDigestTests.repository : FlagshipDigestTests.repository + "/" + project
        let shared = (FlagshipDigestTests.repository as NSString).deletingLastPathComponent + "/shared"
        try #require(FileManager.default.fileExists(atPath: shared + "/data"), "the datasets are read from \(shared)/data, beside the repository")

        // The project at the same depth below a directory holding `shared`, as its params' `../shared/...` expect.
        let top = FileManager.default.temporaryDirectory.appendingPathComponent("proj-digest-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: top) }
        let root = top + "/" + (["main"] + (project.isEmpty ? [] : [project])).joined(separator: "/")
        #expect(root.dropFirst(top.count).split(separator: "/").count == depth - 1)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: top + "/shared", withDestinationPath: shared)
        for path in ["project.yaml", "params.yaml", "stages", "bundles/index.yaml"] {
            try FileManager.default.createDirectory(atPath: (root + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: source + "/" + path, toPath: root + "/" + path)
        }
        var p = TempProject(at: root)
        p.environment = projEnvironment(p)
        let recorded = try #require(Self.recordedManifest(p), "bundles/index.yaml records no manifest for project.yaml's version")

        let r = try p.proj(HermeticTests.sandboxWorks ? ["repro"] : ["repro", "--no-sandbox"])
        #expect(r.code == 0, "\(r.err)")
        let built = r.out.split(separator: "\n").first { $0.hasPrefix("  manifest  ") }.map { String($0.dropFirst("  manifest  ".count)) }
        #expect(built == recorded, """
            \(project.isEmpty ? "the flagship" : project) rebuilt here gives manifest \(built ?? "none"), but bundles/index.yaml records \
            \(recorded): its pipeline does not reproduce on this machine, or its outputs changed without a new release
            """)
        #expect(!r.out.contains("is released with other content"), "\(r.out)")
        #expect(try p.proj("status").code == 0)
    }

    /// The manifest bundles/index.yaml records for the version project.yaml names.
    static func recordedManifest(_ p: TempProject) -> String? {
        guard let project = p.read("project.yaml"), let index = p.read("bundles/index.yaml"),
              let version = project.split(separator: "\n").first(where: { $0.hasPrefix("version: ") })?.dropFirst("version: ".count)
                .split(separator: " ").first else { return nil }
        let lines = index.split(separator: "\n").map(String.init)
        guard let at = lines.firstIndex(of: "  \(version):") else { return nil }
        return lines[(at + 1)...].prefix { $0.hasPrefix("    ") }.first { $0.hasPrefix("    manifest: ") }.map { String($0.dropFirst("    manifest: ".count)) }
    }
}
