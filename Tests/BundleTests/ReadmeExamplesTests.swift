@testable import Bundle
import Foundation
import ProjectModel
import Testing
import YAML

/// Every YAML example in the README is `examples/readme/project.yaml`, which loads.
@Suite struct ReadmeExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func theReadmeShowsTheExampleFileAndItLoads() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let file = try String(contentsOfFile: Self.root + "/examples/readme/project.yaml", encoding: .utf8)
        let params = try String(contentsOfFile: Self.root + "/examples/readme/params.yaml", encoding: .utf8)
        let blocks = readme.components(separatedBy: "```yaml\n").dropFirst().map { String($0.components(separatedBy: "```")[0]) }
        #expect(blocks.count == 2)
        #expect(blocks.joined(separator: "\n") == file, "README's YAML examples differ from examples/readme/project.yaml")

        let project = try ProjectLoader.parse(project: file, params: params, exists: { _ in true })
        #expect(project.stages.map(\.name) == ["prepare", "train@small", "train@large"])
        let small = try #require(project.stage(named: "train@small"))
        #expect(small.outs.map(\.path).sorted() == ["metrics/small.json", "models/small.bin", "plots/small.csv"])
        #expect(small.cmd == ["python train.py --size small"])

        let root = try #require(try YAMLParser.parse(file, file: "project.yaml"))
        let spec = try BundleSpec.parse(root["bundle"], source: file)
        #expect(spec.model == "models/model.ubj")
        #expect(spec.flavor == "xgboost")
    }
}
